using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

/// <summary>
/// Newborns through the guardian (亲情代办) and electronic medical-insurance codes (医保电子凭证). A guardian links an
/// enrolled newborn to their own account, but only the guardian the health commission's birth record names; the
/// newborn then has an electronic code a hospital presents in Settle. Codes are issued once per person: asking again
/// returns the same code.
/// </summary>
public sealed partial class ElectronicCodeHandlers(
    EnrollmentChanges changes, EnrollmentRepository repository, TimeProvider clock, ILogger<ElectronicCodeHandlers> logger)
{
    public async Task<LinkedNewborn> LinkNewbornAsync(string birthCertificateNumber, string guardianIdNumber, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        var certificate = NewbornHandlers.Certificate(v, "birth_certificate_number", birthCertificateNumber);
        var guardian = v.IdNumber("guardian_id_number", guardianIdNumber);
        v.ThrowIfInvalid();

        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            // Only the guardian on the health commission's record, asked first: anyone else learns nothing, not even whether
            // the newborn is enrolled.
            var record = await repository.FindBirthRecordAsync(tx.Connection, certificate, token);
            if (record is null || record.GuardianIdNumber != guardian)
                throw new PermissionDeniedException("no birth record names this guardian for this birth certificate");
            var newborn = await repository.FindPersonByBirthCertificateAsync(tx.Connection, certificate, token)
                ?? throw new RuleViolationException("newborn-enrolled",
                    $"no newborn is enrolled with birth certificate {PersonalData.MaskIdNumber(certificate)}: enrol the newborn first (EnrollNewborn)");
            tx.About(guardian.Value);

            var now = clock.GetUtcNowForDatabase();
            await using (var link = tx.Command(
                """
                INSERT INTO guardian_link (newborn_person_id, guardian_id_number, linked_at, linked_by) VALUES ($1, $2, $3, $4)
                ON CONFLICT DO NOTHING
                """, newborn.PersonId, guardian.Value, now, caller.Id))
                await link.ExecuteNonQueryAsync(token);
            DateTimeOffset at;
            await using (var linkedAt = tx.Command("SELECT linked_at FROM guardian_link WHERE newborn_person_id = $1 AND guardian_id_number = $2",
                newborn.PersonId, guardian.Value))
            await using (var reader = await linkedAt.ExecuteReaderAsync(token))
            {
                await reader.ReadAsync(token);
                at = reader.GetFieldValue<DateTimeOffset>(0);
            }
            var code = await IssueAsync(tx, newborn.PersonId, caller, now, token);
            LogLinked(newborn.MaskedIdentity, guardian.Masked);
            return new LinkedNewborn(newborn, guardian.Value, at, code);
        }, ct);
    }

    /// <summary>A person's own electronic code (from the official account after real-name sign-in, or at a counter).</summary>
    public async Task<ElectronicCode> IssueAsync(string idNumber, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.IdNumber("id_number", idNumber);
        v.ThrowIfInvalid();
        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            var person = await repository.FindPersonByIdNumberAsync(tx.Connection, id.Value, token) ?? throw new NotFoundException("insured person", id.Masked);
            tx.About(id.Value);
            return await IssueAsync(tx, person.PersonId, caller, clock.GetUtcNowForDatabase(), token);
        }, ct);
    }

    /// <summary>Whom a code identifies, or null for a code the platform never issued.</summary>
    public async Task<ElectronicCodeHolder?> ResolveAsync(string code, CancellationToken ct)
    {
        var v = new Validator();
        var text = (code ?? "").Trim().ToUpperInvariant();
        v.Check(ElectronicCode.LooksLikeCode(text), "code", "must be an electronic medical-insurance code: EC and 32 hexadecimal digits");
        v.ThrowIfInvalid();
        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            await using var find = tx.Command(
                """
                SELECT p.person_id, p.id_number, p.birth_certificate_number
                FROM electronic_code c JOIN insured_person p USING (person_id) WHERE c.code = $1
                """, text);
            await using var reader = await find.ExecuteReaderAsync(token);
            if (!await reader.ReadAsync(token)) return null;
            var holder = new ElectronicCodeHolder(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            tx.About(holder.IdNumber ?? holder.BirthCertificateNumber ?? holder.PersonId.ToString());
            return holder;
        }, ct);
    }

    /// <summary>The person's code: issued now (the platform's clock, as every date of record), or the one issued before.</summary>
    private static async Task<ElectronicCode> IssueAsync(OutboxTransaction tx, Guid personId, Caller caller, DateTimeOffset now, CancellationToken ct)
    {
        await using (var issue = tx.Command(
            "INSERT INTO electronic_code (code, person_id, issued_at, issued_by) VALUES ($1, $2, $3, $4) ON CONFLICT (person_id) DO NOTHING",
            ElectronicCode.NewCode(), personId, now, caller.Id))
            await issue.ExecuteNonQueryAsync(ct);
        await using var read = tx.Command("SELECT code, issued_at FROM electronic_code WHERE person_id = $1", personId);
        await using var reader = await read.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ElectronicCode(reader.GetString(0), personId, reader.GetFieldValue<DateTimeOffset>(1));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Newborn {Newborn} linked to guardian {Guardian}; electronic code issued")]
    private partial void LogLinked(string newborn, string guardian);
}
