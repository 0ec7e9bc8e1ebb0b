using System.Globalization;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

/// <summary>Employers and insured persons: validation, idempotent registration, and the events that follow.</summary>
public sealed partial class EnrollmentHandlers(ServiceDatabase database, EnrollmentRepository repository, TimeProvider clock, ILogger<EnrollmentHandlers> logger)
{
    private const int MaxNameLength = 100;

    public async Task<Employer> RegisterEmployerAsync(RegisterEmployer command, CancellationToken ct)
    {
        var validator = new Validator();
        if (!UnifiedSocialCreditCode.TryParse(command.CreditCode, out var code, out var codeError))
            validator.Add("credit_code", codeError);
        RequireText(validator, "name", command.Name);
        RequireText(validator, "corporate_account.bank_name", command.BankName);
        RequireText(validator, "corporate_account.account_name", command.AccountName);
        var account = command.AccountNumber.Replace(" ", "");
        validator.Check(account.Length is >= 6 and <= 34 && account.All(char.IsAsciiDigit),
            "corporate_account.account_number", "must be 6 to 34 digits");
        validator.ThrowIfInvalid();

        var employer = new Employer(code, command.Name.Trim(),
            new BankAccount(command.BankName.Trim(), account, command.AccountName.Trim()), clock.GetUtcNowForDatabase());

        return await database.InTransactionAsync(async (tx, token) =>
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
        if (!UnifiedSocialCreditCode.TryParse(creditCode, out var code, out var error))
            throw new ValidationFailedException([new FieldViolation("credit_code", error)]);
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await repository.FindEmployerAsync(connection, code.Value, ct)
            ?? throw new NotFoundException("employer", code.Value);
    }

    public async Task<InsuredPerson> RegisterInsuredPersonAsync(RegisterInsuredPerson command, CancellationToken ct)
    {
        var validator = new Validator();
        if (!ResidentIdNumber.TryParse(command.IdNumber, out var idNumber, out var idError))
            validator.Add("id_number", idError);
        RequireText(validator, "name", command.Name);
        if (command.Kind is not { } kind)
        {
            validator.Add("kind", "must be one of the insured kinds (employee, resident, flexible worker, retiree, unemployment benefit recipient)");
            kind = default;
        }

        UnifiedSocialCreditCode? employerCode = null;
        var employerText = command.EmployerCreditCode.Trim();
        if (kind == InsuredKind.Employee)
        {
            if (employerText.Length == 0) validator.Add("employer_credit_code", "is required for an employee");
            else if (UnifiedSocialCreditCode.TryParse(employerText, out var parsed, out var employerError)) employerCode = parsed;
            else validator.Add("employer_credit_code", employerError);
        }
        else if (employerText.Length > 0 && command.Kind is not null)
        {
            validator.Add("employer_credit_code", "must be empty unless the person is an employee");
        }

        if (!DateOnly.TryParseExact(command.InsuredFrom.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var insuredFrom))
            validator.Add("insured_from", "must be a date in the form yyyy-MM-dd");
        else if (!validator.HasErrorFor("id_number") && insuredFrom < idNumber.BirthDate)
            validator.Add("insured_from", "cannot be before the birth date in the ID number");

        var phone = command.MobilePhone.Trim();
        validator.Check(phone.Length == 0 || MobilePhone.IsValid(phone), "mobile_phone", "must be an 11-digit mainland mobile number");
        validator.ThrowIfInvalid();

        var person = new InsuredPerson(Guid.CreateVersion7(), idNumber, command.Name.Trim(), kind, employerCode, insuredFrom,
            phone.Length == 0 ? null : phone, clock.GetUtcNowForDatabase());

        return await database.InTransactionAsync(async (tx, token) =>
        {
            if (employerCode is { } required && await repository.FindEmployerAsync(tx.Connection, required.Value, token) is null)
                throw new RuleViolationException("employer-registered",
                    $"employer '{required.Value}' is not registered: register the employer before its employees");

            if (!await repository.TryInsertPersonAsync(tx, person, token))
            {
                var existing = (await repository.FindPersonByIdNumberAsync(tx.Connection, idNumber.Value, token))!;
                return existing.SameRegistrationAs(person)
                    ? existing
                    : throw new AlreadyExistsException("insured person", idNumber.Masked, "registered with different details");
            }

            tx.Publish(new InsuredPersonRegistered(Guid.CreateVersion7(), person.RegisteredAt, person.PersonId, person.Name,
                person.Kind.ToString(), person.EmployerCreditCode?.Value, person.InsuredFrom, person.MobilePhone));
            LogRegistered(person.PersonId, idNumber.Masked, person.Kind);
            return person;
        }, ct);
    }

    public async Task<InsuredPerson> GetInsuredPersonAsync(InsuredPersonKey key, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        if (key.PersonId is { } personIdText)
        {
            if (!Guid.TryParse(personIdText, out var personId))
                throw new ValidationFailedException([new FieldViolation("person_id", "must be a UUID")]);
            return await repository.FindPersonAsync(connection, personId, ct)
                ?? throw new NotFoundException("insured person", personIdText);
        }
        if (key.IdNumber is { } idText)
        {
            if (!ResidentIdNumber.TryParse(idText, out var idNumber, out var error))
                throw new ValidationFailedException([new FieldViolation("id_number", error)]);
            return await repository.FindPersonByIdNumberAsync(connection, idNumber.Value, ct)
                ?? throw new NotFoundException("insured person", idNumber.Masked);
        }
        throw new ValidationFailedException([new FieldViolation("key", "give person_id or id_number")]);
    }

    private static void RequireText(Validator validator, string field, string value)
    {
        var trimmed = value.Trim();
        validator.Check(trimmed.Length > 0, field, "is required");
        validator.Check(trimmed.Length <= MaxNameLength, field, $"must be at most {MaxNameLength} characters");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered insured person {PersonId} ({IdNumber}) as {Kind}")]
    private partial void LogRegistered(Guid personId, string idNumber, InsuredKind kind);
}
