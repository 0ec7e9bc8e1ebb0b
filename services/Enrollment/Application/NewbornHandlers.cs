using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

/// <summary>
/// Newborns (新生儿参保): the health commission's birth record leads to a reminder to the guardian; the newborn is
/// enrolled as a resident with the birth certificate number, covered from the date the region's waiting-period rule
/// gives, and gets the ID number after household registration (落户).
/// </summary>
public sealed partial class NewbornHandlers(
    EnrollmentChanges changes, EnrollmentRepository repository, RegionPolicyCatalog policies, TimeProvider clock, ILogger<NewbornHandlers> logger)
{
    /// <summary>
    /// The health commission's birth record (出生医学证明), sent through the department exchange: kept, published for
    /// the services that act on births (Allowance confirms an application's facts with it), and the guardian is
    /// reminded to enrol the newborn unless a service station already did.
    /// </summary>
    internal async Task<IReadOnlyList<string>> RecordBirthAsync(
        OutboxTransaction tx, BirthRecord record, string street, string departmentCode, CancellationToken ct)
    {
        var certificate = record.CertificateNumber;
        await using (var insert = tx.Command(
            """
            INSERT INTO birth_record (certificate_number, birth_date, newborn_name, mother_id_number, guardian_id_number, guardian_name,
                                      guardian_mobile_phone, region, street, department_code)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING
            """,
            certificate, record.BirthDate, record.NewbornName, record.MotherIdNumber.Value, record.GuardianIdNumber.Value, record.GuardianName,
            record.GuardianMobilePhone, record.Region, street, departmentCode))
        {
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                // The same birth under another record id: the same facts change nothing, other facts are a conflict.
                var known = (await repository.FindBirthRecordAsync(tx.Connection, certificate, ct))!;
                return known == record
                    ? ["birth certificate already recorded: nothing changed"]
                    : throw new AlreadyExistsException("birth certificate", PersonalData.MaskIdNumber(certificate), "recorded with other details");
            }
        }

        tx.Publish(new BirthCertificateIssued(Guid.CreateVersion7(), clock.GetUtcNow(), certificate, record.BirthDate, record.NewbornName,
            record.MotherIdNumber.Value, record.GuardianIdNumber.Value, record.GuardianName, record.GuardianMobilePhone, record.Region));
        // A newborn the hospital's service station already enrolled needs no reminder.
        if (await repository.FindPersonByBirthCertificateAsync(tx.Connection, certificate, ct) is not null)
            return ["birth certificate recorded: the newborn is already enrolled"];

        var policy = policies.InForce(record.Region, record.BirthDate);
        var enrolBefore = record.BirthDate.AddDays(policy.Eligibility.NewbornWaitingPeriod.EnrolWithinDays);
        tx.Publish(new GuardianReminderDue(Guid.CreateVersion7(), clock.GetUtcNow(), certificate, record.NewbornName, record.BirthDate,
            record.GuardianIdNumber.Value, record.GuardianName, record.GuardianMobilePhone, record.Region, enrolBefore));
        LogReminderDue(PersonalData.MaskIdNumber(certificate), record.GuardianIdNumber.Masked, enrolBefore);
        return [$"birth certificate recorded: the guardian is reminded to enrol the newborn by {enrolBefore:yyyy-MM-dd}"];
    }

    /// <summary>
    /// Enrols a newborn the health commission recorded (出生医学证明): birth date, region and guardian come from the birth
    /// record, and the enrolment date is the platform's today, so the waiting period follows from facts, not from what
    /// the request says. What the request states of these must agree with them.
    /// </summary>
    public async Task<InsuredPerson> EnrollAsync(EnrollNewborn command, CancellationToken ct)
    {
        var v = new Validator();
        var today = clock.GetLocalToday();
        var certificate = Certificate(v, "birth_certificate_number", command.BirthCertificateNumber);
        var name = v.Text("name", command.Name);
        var birthDate = v.Date("birth_date", command.BirthDate, notAfter: today);
        var guardian = v.IdNumber("guardian_id_number", command.GuardianIdNumber);
        v.Agrees("enrolled_on", command.EnrolledOn, today.ToString("yyyy-MM-dd"), "today, the enrolment date the platform records");
        v.ThrowIfInvalid();

        return await changes.RunAsync(async (change, token) =>
        {
            var tx = change.Tx;
            var record = await repository.FindBirthRecordAsync(tx.Connection, certificate, token)
                ?? throw new RuleViolationException("birth-record-required",
                    "the health commission has no birth record (出生医学证明) with this number: a newborn is enrolled once the birth is recorded");
            var facts = new Validator();
            facts.Agrees("birth_date", command.BirthDate, record.BirthDate.ToString("yyyy-MM-dd"), "the birth date on the birth record");
            facts.Agrees("guardian_id_number", guardian.Value, record.GuardianIdNumber.Value, "the guardian on the birth record");
            facts.Agrees("region", command.Region, record.Region, "the region of the birth record");
            facts.ThrowIfInvalid();
            var policy = policies.InForce(record.Region, birthDate);

            var coveredFrom = policy.Eligibility.NewbornWaitingPeriod.CoveredFrom(birthDate, today);
            var validFrom = coveredFrom == birthDate ? birthDate : today;
            var newborn = new InsuredPerson(Guid.CreateVersion7(), null, certificate, name, birthDate, null, clock.GetUtcNowForDatabase(),
                [new InsurancePeriod(InsuredKind.Resident, null, validFrom, null, coveredFrom, $"newborn enrolment ({policy.Version})", policy.Region)]);
            if (!await repository.TryInsertPersonAsync(tx, newborn, token))
            {
                var existing = await repository.FindPersonByBirthCertificateAsync(tx.Connection, certificate, token);
                return existing is not null && existing.Name == name && existing.BirthDate == birthDate
                    ? existing
                    : throw new AlreadyExistsException("newborn", PersonalData.MaskIdNumber(certificate), "enrolled with different details");
            }

            change.Affects(newborn.PersonId);
            tx.Publish(new NewbornEnrolled(Guid.CreateVersion7(), newborn.RegisteredAt, newborn.PersonId, certificate, name, birthDate,
                guardian.Value, policy.Region, coveredFrom));
            return newborn;
        }, ct);
    }

    /// <summary>After household registration: the ID number, whose birth date must be the newborn's.</summary>
    public async Task<InsuredPerson> UpdateIdentityAsync(UpdateNewbornIdentity command, CancellationToken ct)
    {
        var v = new Validator();
        var personId = v.Uuid("person_id", command.PersonId);
        var idNumber = v.IdNumber("id_number", command.IdNumber);
        v.ThrowIfInvalid();

        return await changes.RunAsync(async (change, token) =>
        {
            var tx = change.Tx;
            var person = await repository.FindPersonAsync(tx.Connection, personId, token, forUpdate: true)
                ?? throw new NotFoundException("insured person", command.PersonId);
            if (person.BirthCertificateNumber is null)
                throw new RuleViolationException("newborn-identity", "only a person enrolled as a newborn gets the ID number this way");
            if (person.IdNumber == idNumber) return person;
            if (person.IdNumber is not null)
                throw new RuleViolationException("newborn-identity", "the newborn already has an ID number; a change is a correction for the fund centre");
            if (idNumber.BirthDate != person.BirthDate)
                throw new ValidationFailedException([new FieldViolation("id_number",
                    $"the birth date in the ID number ({idNumber.BirthDate:yyyy-MM-dd}) is not the newborn's ({person.BirthDate:yyyy-MM-dd})")]);
            if (await repository.FindPersonByIdNumberAsync(tx.Connection, idNumber.Value, token) is not null)
                throw new AlreadyExistsException("insured person", idNumber.Masked, "another person has this ID number");

            await repository.SetIdNumberAsync(tx, personId, idNumber.Value, token);
            change.Affects(personId);
            return person with { IdNumber = idNumber };
        }, ct);
    }

    /// <summary>出生医学证明编号: one letter and digits as printed on the certificate.</summary>
    internal static string Certificate(Validator v, string field, string? text)
    {
        var s = (text ?? "").Trim().ToUpperInvariant();
        v.Check(s.Length is >= 6 and <= 20 && s.All(char.IsAsciiLetterOrDigit), field, "must be the birth certificate number (6 to 20 letters and digits)");
        return s;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Birth {Certificate}: guardian {Guardian} reminded to enrol before {EnrolBefore}")]
    private partial void LogReminderDue(string certificate, string guardian, DateOnly enrolBefore);
}
