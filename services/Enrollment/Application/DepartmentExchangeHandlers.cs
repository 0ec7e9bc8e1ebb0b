using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;
using Npgsql;

namespace MaternityCloud.Enrollment.Application;

// A department's records as it sent them (raw text): the handler validates each and names every bad field.
public abstract record DepartmentRecordCommand(string RecordId);
public sealed record RecordMarriage(string RecordId, string CertificateNumber, string HusbandIdNumber, string WifeIdNumber, string RegisteredOn)
    : DepartmentRecordCommand(RecordId);
public sealed record RecordMarriageDissolution(string RecordId, string CertificateNumber, string DissolvedOn) : DepartmentRecordCommand(RecordId);
public sealed record RecordBirthCertificate(
    string RecordId, string CertificateNumber, string BirthDate, string NewbornName, string MotherIdNumber, string GuardianIdNumber,
    string GuardianName, string GuardianMobilePhone, string Region, string Street) : DepartmentRecordCommand(RecordId);
public sealed record RecordEmployment(string RecordId, string IdNumber, string EmployerCreditCode, string EmployedFrom, string EmployedTo)
    : DepartmentRecordCommand(RecordId);
public sealed record RecordUnemployment(string RecordId, string IdNumber, string RegisteredOn, string BenefitFrom, string BenefitTo)
    : DepartmentRecordCommand(RecordId);
public sealed record RecordRetirement(string RecordId, string IdNumber, string RetiredOn) : DepartmentRecordCommand(RecordId);
public sealed record RecordDeath(string RecordId, string IdNumber, string DiedOn) : DepartmentRecordCommand(RecordId);
public sealed record RecordImprisonment(string RecordId, string IdNumber, string ImprisonedFrom, string ImprisonedTo) : DepartmentRecordCommand(RecordId);

/// <summary>What the platform answers a department: the first receipt of the record id, and what the record changed.</summary>
public sealed record DepartmentReceipt(string RecordId, string Kind, DateTimeOffset ReceivedAt, bool Repeated, IReadOnlyList<string> Effects);

/// <summary>
/// The exchange with other departments (部门数据共享). Each record is validated, checked against the department its
/// credential names (only the keeper of a fact may state it), and then, in one transaction: kept by the department's
/// record id (a repeat answers the first receipt), applied, audited, and its events written to the outbox. Records are
/// facts about days; none depends on the order records arrive in, so a dissolution may come before its marriage and a
/// death before the person is insured here.
/// </summary>
public sealed partial class DepartmentExchangeHandlers(
    EnrollmentChanges changes, NewbornHandlers newborns, RegionPolicyCatalog policies, TimeProvider clock, ILogger<DepartmentExchangeHandlers> logger)
{
    public async Task<DepartmentReceipt> RecordAsync(DepartmentRecordCommand command, Caller department, CancellationToken ct)
    {
        if (department is not { Kind: CallerKind.Department, Department: { } keeper, Site: { } region })
            throw new PermissionDeniedException("only a department sends department records");
        var today = clock.GetLocalToday();
        var v = new Validator();
        var recordId = v.ForeignId("record_id", command.RecordId, 64, "the department's id of the record");
        Func<EnrollmentChange, CancellationToken, Task<IReadOnlyList<string>>> apply;
        DepartmentRecordKey key;
        switch (command)
        {
            case RecordMarriage c:
            {
                var certificate = v.Text("certificate_number", c.CertificateNumber, 40).ToUpperInvariant();
                var husband = v.IdNumber("husband_id_number", c.HusbandIdNumber);
                var wife = v.IdNumber("wife_id_number", c.WifeIdNumber);
                var on = v.Date("registered_on", c.RegisteredOn, notAfter: today);
                if (!v.HasErrorFor("husband_id_number") && !husband.IsMale) v.Add("husband_id_number", "must be a man's ID number");
                if (!v.HasErrorFor("wife_id_number") && wife.IsMale) v.Add("wife_id_number", "must be a woman's ID number");
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.Marriage, recordId, certificate, certificate, husband, wife, on);
                apply = (change, token) => RecordMarriageAsync(change.Tx, new MarriageRecord(certificate, husband, wife, on), token);
                break;
            }
            case RecordMarriageDissolution c:
            {
                var certificate = v.Text("certificate_number", c.CertificateNumber, 40).ToUpperInvariant();
                var on = v.Date("dissolved_on", c.DissolvedOn, notAfter: today);
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.MarriageDissolution, recordId, certificate, certificate, on);
                apply = (change, token) => RecordDissolutionAsync(change, certificate, on, token);
                break;
            }
            case RecordBirthCertificate c:
            {
                var certificate = NewbornHandlers.Certificate(v, "certificate_number", c.CertificateNumber);
                var birthDate = v.Date("birth_date", c.BirthDate, notAfter: today);
                var name = v.Text("newborn_name", c.NewbornName);
                var mother = v.IdNumber("mother_id_number", c.MotherIdNumber);
                var guardian = v.IdNumber("guardian_id_number", c.GuardianIdNumber);
                var guardianName = v.Text("guardian_name", c.GuardianName);
                var phone = (c.GuardianMobilePhone ?? "").Trim();
                v.Check(phone.Length == 0 || MobilePhone.IsValid(phone), "guardian_mobile_phone", "must be empty or an 11-digit mainland mobile number");
                var street = (c.Street ?? "").Trim();
                v.Check(street.Length <= 60, "street", "must be at most 60 characters");
                // The birth is in the region the health commission serves: its credential says which; the record may only agree.
                v.Agrees("region", c.Region, region, "the region your department's credential serves");
                if (!v.HasErrorFor("birth_date") && !v.HasErrorFor("region")) v.Region(policies, "region", region, birthDate);
                var record = new BirthRecord(certificate, birthDate, name, mother, guardian, guardianName, phone.Length == 0 ? null : phone, region);
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.BirthCertificate, recordId, certificate,
                    certificate, birthDate, name, mother, guardian, guardianName, phone, region, street);
                apply = (change, token) => newborns.RecordBirthAsync(change.Tx, record, street, department.Id, token);
                break;
            }
            case RecordEmployment c:
            {
                var person = v.IdNumber("id_number", c.IdNumber);
                var employer = EnrollmentHandlers.CreditCode(v, "employer_credit_code", c.EmployerCreditCode);
                var (from, to) = Stretch(v, "employed_from", c.EmployedFrom, "employed_to", c.EmployedTo, today);
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.Employment, recordId, person.Value, person, employer.Value, from, to);
                apply = (change, token) => RecordLabourAsync(change, department.Id, recordId, person,
                    new LabourRecord(LabourRecordKind.Employment, from, to, employer.Value), token);
                break;
            }
            case RecordUnemployment c:
            {
                var person = v.IdNumber("id_number", c.IdNumber);
                var registered = v.Date("registered_on", c.RegisteredOn, notAfter: today);
                DateOnly? benefitFrom = null, benefitTo = null;
                if (!string.IsNullOrWhiteSpace(c.BenefitFrom))
                {
                    (var from, benefitTo) = Stretch(v, "benefit_from", c.BenefitFrom, "benefit_to", c.BenefitTo, today);
                    benefitFrom = from;
                    if (!v.HasErrorFor("benefit_from") && !v.HasErrorFor("registered_on") && from < registered)
                        v.Add("benefit_from", "an unemployment benefit starts on or after the unemployment registration");
                }
                else v.Check(string.IsNullOrWhiteSpace(c.BenefitTo), "benefit_to", "must be empty when no benefit period starts (benefit_from)");
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.Unemployment, recordId, person.Value, person, registered, benefitFrom, benefitTo);
                apply = async (change, token) =>
                {
                    var effects = await RecordLabourAsync(change, department.Id, recordId, person,
                        new LabourRecord(LabourRecordKind.UnemploymentRegistration, registered, null, null), token);
                    return benefitFrom is { } f
                        ? [.. effects, .. await RecordStatusAsync(change, department.Id, recordId, person, new PersonStatus(PersonStatusKind.UnemploymentBenefit, f, benefitTo), token)]
                        : effects;
                };
                break;
            }
            case RecordRetirement c:
            {
                var person = v.IdNumber("id_number", c.IdNumber);
                var on = v.Date("retired_on", c.RetiredOn, notAfter: today);
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.Retirement, recordId, person.Value, person, on);
                apply = (change, token) => RecordStatusAsync(change, department.Id, recordId, person, new PersonStatus(PersonStatusKind.Retirement, on, null), token);
                break;
            }
            case RecordDeath c:
            {
                var person = v.IdNumber("id_number", c.IdNumber);
                var on = v.Date("died_on", c.DiedOn, notAfter: today);
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.Death, recordId, person.Value, person, on);
                apply = (change, token) => RecordStatusAsync(change, department.Id, recordId, person, new PersonStatus(PersonStatusKind.Death, on, null), token);
                break;
            }
            case RecordImprisonment c:
            {
                var person = v.IdNumber("id_number", c.IdNumber);
                var (from, to) = Stretch(v, "imprisoned_from", c.ImprisonedFrom, "imprisoned_to", c.ImprisonedTo, today, endMayBeLater: true);
                key = DepartmentRecordKey.Of(DepartmentRecordKinds.Imprisonment, recordId, person.Value, person, from, to);
                apply = (change, token) => RecordStatusAsync(change, department.Id, recordId, person, new PersonStatus(PersonStatusKind.Imprisonment, from, to), token);
                break;
            }
            default:
                throw new ValidationFailedException([new FieldViolation("record", "give one record")]);
        }
        v.ThrowIfInvalid();
        if (!DepartmentRecordKinds.Keeps(keeper, key.Kind))
            throw new PermissionDeniedException(
                $"a {key.Kind} record is kept by {string.Join(" or ", DepartmentRecordKinds.Keepers[key.Kind])}, not by {keeper}");

        return await changes.RunAsync(async (change, token) =>
        {
            var tx = change.Tx;
            tx.About(key.Subject);
            var receivedAt = clock.GetUtcNowForDatabase();
            await using (var insert = tx.Command(
                """
                INSERT INTO department_record (department_code, record_id, department, kind, fingerprint, subject, received_at, effects)
                VALUES ($1, $2, $3, $4, $5, $6, $7, '{}') ON CONFLICT DO NOTHING
                """, department.Id, key.RecordId, keeper.ToString(), key.Kind, key.Fingerprint, key.Subject, receivedAt))
            {
                if (await insert.ExecuteNonQueryAsync(token) == 0) return await RepeatAsync(tx.Connection, department.Id, key, token);
            }

            var effects = await apply(change, token);
            await using (var update = tx.Command("UPDATE department_record SET effects = $3 WHERE department_code = $1 AND record_id = $2",
                department.Id, key.RecordId, effects.ToArray()))
                await update.ExecuteNonQueryAsync(token);
            LogRecorded(department.Id, key.Kind, key.RecordId, effects.Count);
            return new DepartmentReceipt(key.RecordId, key.Kind, receivedAt, false, effects);
        }, ct);
    }

    /// <summary>The same record id again: the first receipt if the content is the same, else a conflict the department must resolve.</summary>
    private static async Task<DepartmentReceipt> RepeatAsync(NpgsqlConnection connection, string departmentCode, DepartmentRecordKey key, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT kind, fingerprint, received_at, effects FROM department_record WHERE department_code = $1 AND record_id = $2",
            departmentCode, key.RecordId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.GetString(0) != key.Kind || reader.GetString(1) != key.Fingerprint)
            throw new AlreadyExistsException("department record", key.RecordId,
                "your department sent another record under this id; a correction is a new record with its own id");
        return new DepartmentReceipt(key.RecordId, key.Kind, reader.GetFieldValue<DateTimeOffset>(2), true, reader.GetFieldValue<string[]>(3));
    }

    private static async Task<IReadOnlyList<string>> RecordMarriageAsync(OutboxTransaction tx, MarriageRecord record, CancellationToken ct)
    {
        if (await FedMarriageRegistry.RecordAsync(tx, record, ct)) return ["marriage registration recorded: spouse filings can be verified against it"];
        var known = (await FedMarriageRegistry.FindAsync(tx.Connection, record.CertificateNumber, ct))!;
        return known.HusbandIdNumber == record.HusbandIdNumber && known.WifeIdNumber == record.WifeIdNumber && known.RegisteredOn == record.RegisteredOn
            ? ["marriage registration already recorded: nothing changed"]
            : throw new AlreadyExistsException("marriage registration", record.CertificateNumber, "recorded with other persons or another date");
    }

    private static async Task<IReadOnlyList<string>> RecordDissolutionAsync(EnrollmentChange change, string certificate, DateOnly on, CancellationToken ct)
    {
        var tx = change.Tx;
        await using (var insert = tx.Command(
            "INSERT INTO marriage_dissolution (certificate_number, dissolved_on) VALUES ($1, $2) ON CONFLICT DO NOTHING", certificate, on))
        {
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                await using var known = tx.Command("SELECT dissolved_on FROM marriage_dissolution WHERE certificate_number = $1", certificate);
                return (DateOnly)(await known.ExecuteScalarAsync(ct))! == on
                    ? ["dissolution already recorded: nothing changed"]
                    : throw new AlreadyExistsException("marriage dissolution", certificate, "recorded with another date");
            }
        }
        // The spouse filed through this marriage is covered up to the dissolution: her answers change.
        await using var filings = tx.Command(
            """
            SELECT f.spouse_id_number, p.person_id FROM spouse_filing f LEFT JOIN insured_person p ON p.id_number = f.spouse_id_number
            WHERE f.marriage_certificate_number = $1
            """, certificate);
        await using var reader = await filings.ExecuteReaderAsync(ct);
        var spouses = 0;
        while (await reader.ReadAsync(ct))
        {
            change.AffectsSubject(EligibilitySubject.ForIdNumber(reader.GetString(0)));
            if (!reader.IsDBNull(1)) change.Affects(reader.GetGuid(1)); // her answers asked by person id too
            spouses++;
        }
        return spouses == 0
            ? [$"dissolution on {on:yyyy-MM-dd} recorded"]
            : [$"dissolution on {on:yyyy-MM-dd} recorded: the spouse filed through this marriage is not covered after that day"];
    }

    private static async Task<IReadOnlyList<string>> RecordLabourAsync(
        EnrollmentChange change, string departmentCode, string recordId, ResidentIdNumber person, LabourRecord record, CancellationToken ct)
    {
        await using var insert = change.Tx.Command(
            """
            INSERT INTO labour_record (department_code, record_id, id_number, kind, employer_credit_code, valid_from, valid_to)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, departmentCode, recordId, person.Value, record.Kind.ToString(), record.EmployerCreditCode, record.From, record.To);
        await insert.ExecuteNonQueryAsync(ct);
        return [record.Kind == LabourRecordKind.Employment
            ? $"employment from {record.From:yyyy-MM-dd}{(record.To is { } to ? $" to {to:yyyy-MM-dd}" : "")} recorded: a spouse filing checks it"
            : $"unemployment registration on {record.From:yyyy-MM-dd} recorded"];
    }

    /// <summary>A status of a person from a day: their eligibility answers (and those of a spouse filed against them) change from then.</summary>
    private async Task<IReadOnlyList<string>> RecordStatusAsync(
        EnrollmentChange change, string departmentCode, string recordId, ResidentIdNumber person, PersonStatus status, CancellationToken ct)
    {
        var tx = change.Tx;
        await using (var insert = tx.Command(
            "INSERT INTO person_status (department_code, record_id, id_number, kind, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5, $6)",
            departmentCode, recordId, person.Value, status.Kind.ToString(), status.From, status.To))
            await insert.ExecuteNonQueryAsync(ct);
        change.AffectsSubject(EligibilitySubject.ForIdNumber(person.Value));
        await using var find = tx.Command("SELECT person_id FROM insured_person WHERE id_number = $1", person.Value);
        var personId = await find.ExecuteScalarAsync(ct) as Guid?;
        if (personId is { } id) change.Affects(id);

        var insured = personId is null ? " (not insured here yet: it applies once they are)" : "";
        switch (status.Kind)
        {
            case PersonStatusKind.Death:
                tx.Publish(new InsuredPersonDied(Guid.CreateVersion7(), clock.GetUtcNow(), personId, person.Value, status.From));
                return [$"death on {status.From:yyyy-MM-dd} recorded: no benefit for an event after that day{insured}"];
            case PersonStatusKind.Retirement:
                return [$"retirement from {status.From:yyyy-MM-dd} recorded: insured as a retiree from that day{insured}"];
            case PersonStatusKind.UnemploymentBenefit:
                return [$"unemployment benefit from {status.From:yyyy-MM-dd}{Until(status.To)} recorded: insured as a benefit recipient meanwhile{insured}"];
            default:
                return [$"imprisonment from {status.From:yyyy-MM-dd}{Until(status.To)} recorded: benefits suspended meanwhile where the region's rules say so{insured}"];
        }
    }

    private static string Until(DateOnly? to) => to is { } end ? $" to {end:yyyy-MM-dd}" : "";

    /// <summary>A stretch of days: its first day, not after today, and its last (optional, not before the first).</summary>
    private static (DateOnly From, DateOnly? To) Stretch(
        Validator v, string fromField, string? fromText, string toField, string? toText, DateOnly today, bool endMayBeLater = false)
    {
        var from = v.Date(fromField, fromText, notAfter: today);
        if (string.IsNullOrWhiteSpace(toText)) return (from, null);
        // A sentence's or a benefit's end is known in advance; an employment's end is a fact once it happened.
        var to = v.Date(toField, toText, notAfter: endMayBeLater ? today.AddYears(50) : today.AddYears(2));
        if (!v.HasErrorFor(fromField) && !v.HasErrorFor(toField) && to < from) v.Add(toField, $"must not be before {fromField}");
        return (from, to);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Department {Department}: {Kind} record {RecordId} taken, {Effects} effect(s)")]
    private partial void LogRecorded(string department, string kind, string recordId, int effects);
}
