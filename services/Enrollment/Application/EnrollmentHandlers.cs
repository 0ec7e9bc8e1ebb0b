using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

/// <summary>Employers, their wages, insured persons and their history: validation, idempotent registration, events.</summary>
public sealed partial class EnrollmentHandlers(
    EnrollmentChanges changes, EnrollmentRepository repository, RegionPolicyCatalog policies, TimeProvider clock, ILogger<EnrollmentHandlers> logger)
{
    public async Task<Employer> RegisterEmployerAsync(RegisterEmployer command, CancellationToken ct)
    {
        var v = new Validator();
        var code = CreditCode(v, "credit_code", command.CreditCode);
        var name = v.Text("name", command.Name);
        var bank = v.Text("corporate_account.bank_name", command.BankName);
        var accountName = v.Text("corporate_account.account_name", command.AccountName);
        var account = command.AccountNumber.Replace(" ", "");
        v.Check(account.Length is >= 6 and <= 34 && account.All(char.IsAsciiDigit),
            "corporate_account.account_number", "must be 6 to 34 digits");
        v.ThrowIfInvalid();

        var employer = new Employer(code, name, new BankAccount(bank, account, accountName), clock.GetUtcNowForDatabase());
        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            if (await repository.TryInsertEmployerAsync(tx, employer, token)) return employer;
            var existing = (await repository.FindEmployerAsync(tx.Connection, code.Value, token))!;
            return existing.SameRegistrationAs(employer)
                ? existing
                : throw new AlreadyExistsException("employer", code.Value, "registered with different details");
        }, ct);
    }

    public async Task<Employer> GetEmployerAsync(string creditCode, CancellationToken ct)
    {
        var v = new Validator();
        var code = CreditCode(v, "credit_code", creditCode);
        v.ThrowIfInvalid();
        await using var connection = await changes.Database.DataSource.OpenConnectionAsync(ct);
        return await repository.FindEmployerAsync(connection, code.Value, ct)
            ?? throw new NotFoundException("employer", code.Value);
    }

    public async Task<(string CreditCode, int Year, decimal Wage)> SetEmployerWageAsync(SetEmployerWage command, CancellationToken ct)
    {
        var v = new Validator();
        var code = CreditCode(v, "credit_code", command.CreditCode);
        var thisYear = clock.GetLocalNow().Year;
        v.Check(command.Year >= 1990 && command.Year < thisYear, "year", $"must be a past year from 1990 to {thisYear - 1}");
        var wage = v.Money("average_monthly_wage", command.AverageMonthlyWage);
        v.Check(v.HasErrorFor("average_monthly_wage") || wage > 0, "average_monthly_wage", "must be more than zero");
        v.ThrowIfInvalid();

        await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            if (await repository.FindEmployerAsync(tx.Connection, code.Value, token) is null)
                throw new NotFoundException("employer", code.Value);
            await repository.UpsertWageAsync(tx, code.Value, command.Year, decimal.Round(wage, 2), token);
        }, ct);
        return (code.Value, command.Year, decimal.Round(wage, 2));
    }

    public async Task<decimal> GetEmployerWageAsync(string creditCode, int year, CancellationToken ct)
    {
        var v = new Validator();
        var code = CreditCode(v, "credit_code", creditCode);
        v.Check(year is >= 1990 and <= 9999, "year", "must be a year from 1990");
        v.ThrowIfInvalid();
        await using var connection = await changes.Database.DataSource.OpenConnectionAsync(ct);
        return await repository.FindWageAsync(connection, code.Value, year, ct)
            ?? throw new NotFoundException("employer wage", $"{code.Value}/{year}");
    }

    public async Task<InsuredPerson> RegisterInsuredPersonAsync(RegisterInsuredPerson command, CancellationToken ct)
    {
        var v = new Validator();
        var idNumber = v.IdNumber("id_number", command.IdNumber);
        var name = v.Text("name", command.Name);
        var (kind, employerCode) = KindAndEmployer(v, command.Kind, command.EmployerCreditCode);
        var today = Today();
        var insuredFrom = v.Date("insured_from", command.InsuredFrom, notAfter: today);
        if (!v.HasErrorFor("id_number") && !v.HasErrorFor("insured_from") && insuredFrom < idNumber.BirthDate)
            v.Add("insured_from", "cannot be before the birth date in the ID number");
        var phone = command.MobilePhone.Trim();
        v.Check(phone.Length == 0 || MobilePhone.IsValid(phone), "mobile_phone", "must be an 11-digit mainland mobile number");
        var region = Region(v, command.Region, required: true);
        v.ThrowIfInvalid();

        var person = new InsuredPerson(Guid.CreateVersion7(), idNumber, null, name, idNumber.BirthDate,
            phone.Length == 0 ? null : phone, clock.GetUtcNowForDatabase(),
            [new InsurancePeriod(kind, employerCode, insuredFrom, null, insuredFrom, "registration", region!)]);

        return await changes.RunAsync(async (change, token) =>
        {
            var tx = change.Tx;
            await RequireEmployerAsync(tx.Connection, employerCode, token);
            if (!await repository.TryInsertPersonAsync(tx, person, token))
            {
                var existing = await repository.FindPersonByIdNumberAsync(tx.Connection, idNumber.Value, token)
                    ?? throw new AlreadyExistsException("insured person", idNumber.Masked, "the ID number is taken");
                return existing.SameRegistrationAs(person)
                    ? existing
                    : throw new AlreadyExistsException("insured person", idNumber.Masked, "registered with different details");
            }

            change.Affects(person.PersonId);
            tx.Publish(new InsuredPersonRegistered(Guid.CreateVersion7(), person.RegisteredAt, person.PersonId, person.Name,
                person.Kind.ToString(), person.EmployerCreditCode?.Value, person.InsuredFrom, person.MobilePhone, person.IdNumber?.Value ?? ""));
            LogRegistered(person.PersonId, idNumber.Masked, person.Kind);
            return person;
        }, ct);
    }

    /// <summary>
    /// A change of kind or employer from a date (a job change, unemployment, retirement). The history gains a period;
    /// decisions about earlier dates still see the period that was in force then.
    /// </summary>
    public async Task<InsuredPerson> ChangeInsuranceAsync(ChangeInsurance command, CancellationToken ct)
    {
        var v = new Validator();
        var personId = v.Uuid("person_id", command.PersonId);
        var (kind, employerCode) = KindAndEmployer(v, command.Kind, command.EmployerCreditCode);
        var effectiveFrom = v.Date("effective_from", command.EffectiveFrom, notAfter: Today().AddYears(1));
        var reason = v.Text("reason", command.Reason, 200);
        var region = Region(v, command.Region, required: false);
        v.ThrowIfInvalid();

        return await ChangeHistoryAsync(personId, async (tx, person, token) =>
        {
            await RequireEmployerAsync(tx.Connection, employerCode, token);
            // A change within the region keeps it; naming another region is a transfer (医保关系转移接续) from that date.
            var next = new InsurancePeriod(kind, employerCode, effectiveFrom, null, effectiveFrom, reason, region ?? person.Region);
            var history = person.WithChange(next);
            await repository.ClosePeriodAsync(tx, personId, history[^2], token);
            await repository.InsertPeriodAsync(tx, personId, next, token);
            tx.Publish(new InsuredPersonChanged(Guid.CreateVersion7(), clock.GetUtcNow(), personId, kind.ToString(),
                employerCode?.Value, effectiveFrom, reason));
            return history;
        }, ct);
    }

    /// <summary>Insurance ends (the person left, or stopped contributing): later dates are answered "not insured".</summary>
    public async Task<InsuredPerson> EndInsuranceAsync(EndInsurance command, CancellationToken ct)
    {
        var v = new Validator();
        var personId = v.Uuid("person_id", command.PersonId);
        var lastDay = v.Date("last_day", command.LastDay, notAfter: Today().AddYears(1));
        var reason = v.Text("reason", command.Reason, 200);
        v.ThrowIfInvalid();

        return await ChangeHistoryAsync(personId, async (tx, person, token) =>
        {
            var history = person.WithEnd(lastDay);
            await repository.ClosePeriodAsync(tx, personId, history[^1], token);
            tx.Publish(new InsuranceEnded(Guid.CreateVersion7(), clock.GetUtcNow(), personId, lastDay, reason));
            return history;
        }, ct);
    }

    /// <summary>A change to one person's history, with the person's row locked so two changes cannot interleave.</summary>
    private Task<InsuredPerson> ChangeHistoryAsync(
        Guid personId, Func<OutboxTransaction, InsuredPerson, CancellationToken, Task<IReadOnlyList<InsurancePeriod>>> apply, CancellationToken ct) =>
        changes.RunAsync(async (change, token) =>
        {
            var person = await repository.FindPersonAsync(change.Tx.Connection, personId, token, forUpdate: true)
                ?? throw new NotFoundException("insured person", personId.ToString());
            var history = await apply(change.Tx, person, token);
            change.Affects(personId);
            return person with { History = history };
        }, ct);

    /// <summary>A person's record by person id, ID number or (a newborn) birth certificate number; the read is audited in its transaction.</summary>
    public async Task<InsuredPerson> GetInsuredPersonAsync(InsuredPersonKey key, CancellationToken ct)
    {
        var v = new Validator();
        Func<Npgsql.NpgsqlConnection, CancellationToken, Task<InsuredPerson?>> find;
        Func<string> shown;
        if (key.PersonId is { } personIdText)
        {
            var personId = v.Uuid("person_id", personIdText);
            (find, shown) = ((c, t) => repository.FindPersonAsync(c, personId, t), () => personIdText);
        }
        else if (key.IdNumber is { } idText)
        {
            var idNumber = v.IdNumber("id_number", idText);
            (find, shown) = ((c, t) => repository.FindPersonByIdNumberAsync(c, idNumber.Value, t), () => idNumber.Masked);
        }
        else if (key.BirthCertificateNumber is { } certificate)
        {
            var number = NewbornHandlers.Certificate(v, "birth_certificate_number", certificate);
            (find, shown) = ((c, t) => repository.FindPersonByBirthCertificateAsync(c, number, t), () => PersonalData.MaskIdNumber(number));
        }
        else throw new ValidationFailedException([new FieldViolation("key", "give person_id, id_number or birth_certificate_number")]);
        v.ThrowIfInvalid();
        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            var person = await find(tx.Connection, token) ?? throw new NotFoundException("insured person", shown());
            tx.About(person.IdNumber?.Value ?? person.BirthCertificateNumber ?? person.PersonId.ToString());
            return person;
        }, ct);
    }

    private DateOnly Today() => clock.GetLocalToday();

    /// <summary>A pooling region with parameters loaded (only a known region's rules can ever decide a benefit); null when optional and empty.</summary>
    private string? Region(Validator v, string? text, bool required)
    {
        var region = (text ?? "").Trim();
        if (region.Length == 0 && !required) return null;
        v.Region(policies, "region", region, date: null);
        return region;
    }

    private async Task RequireEmployerAsync(Npgsql.NpgsqlConnection connection, UnifiedSocialCreditCode? employerCode, CancellationToken ct)
    {
        if (employerCode is { } required && await repository.FindEmployerAsync(connection, required.Value, ct) is null)
            throw new RuleViolationException("employer-registered",
                $"employer '{required.Value}' is not registered: register the employer before its employees");
    }

    internal static UnifiedSocialCreditCode CreditCode(Validator v, string field, string? text)
    {
        if (UnifiedSocialCreditCode.TryParse(text, out var code, out var error)) return code;
        v.Add(field, error);
        return default;
    }

    private static (InsuredKind Kind, UnifiedSocialCreditCode? Employer) KindAndEmployer(Validator v, InsuredKind? kind, string employerText)
    {
        if (kind is null)
            v.Add("kind", "must be one of the insured kinds (employee, resident, flexible worker, retiree, unemployment benefit recipient)");
        var text = employerText.Trim();
        if (kind == InsuredKind.Employee)
        {
            if (text.Length == 0) v.Add("employer_credit_code", "is required for an employee");
            else return (InsuredKind.Employee, CreditCode(v, "employer_credit_code", text));
        }
        else if (text.Length > 0 && kind is not null)
        {
            v.Add("employer_credit_code", "must be empty unless the person is an employee");
        }
        return (kind ?? default, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered insured person {PersonId} ({IdNumber}) as {Kind}")]
    private partial void LogRegistered(Guid personId, string idNumber, InsuredKind kind);
}
