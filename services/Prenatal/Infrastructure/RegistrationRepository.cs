using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Prenatal.Domain;
using Npgsql;

namespace MaternityCloud.Prenatal.Infrastructure;

/// <summary>SQL for registrations and their audit trail. The one-open-per-person rule is a unique index.</summary>
public sealed class RegistrationRepository
{
    private const string Columns =
        "registration_id, id_number, region, pregnancy_date, expected_delivery_date, fetus_count, hospital_code, channel, operator, state, automatic, registered_at, ended_on, end_outcome, prenatal_quota, pregnancy_id, state_version, ended_by";

    /// <summary>False when the person already has an open registration.</summary>
    public async Task<bool> TryInsertAsync(OutboxTransaction tx, PrenatalRegistration r, CancellationToken ct)
    {
        await using var command = tx.Command(
            $"INSERT INTO prenatal_registration ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT DO NOTHING",
            r.RegistrationId, r.IdNumber.Value, r.Region, r.PregnancyDate, r.ExpectedDeliveryDate, r.FetusCount, r.HospitalCode,
            r.Channel.ToString(), r.Operator, r.State.ToString(), r.Automatic, r.RegisteredAt, r.EndedOn, r.EndOutcome, r.PrenatalQuota,
            r.PregnancyId, r.StateVersion, r.EndedBy);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task UpdateAsync(OutboxTransaction tx, PrenatalRegistration r, CancellationToken ct)
    {
        await using var command = tx.Command(
            """
            UPDATE prenatal_registration SET pregnancy_date = $2, expected_delivery_date = $3, fetus_count = $4, hospital_code = $5,
                state = $6, ended_on = $7, end_outcome = $8, state_version = $9, ended_by = $10
            WHERE registration_id = $1
            """,
            r.RegistrationId, r.PregnancyDate, r.ExpectedDeliveryDate, r.FetusCount, r.HospitalCode, r.State.ToString(), r.EndedOn, r.EndOutcome,
            r.StateVersion, r.EndedBy);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task AuditAsync(OutboxTransaction tx, Guid registrationId, RegistrationAudit a, CancellationToken ct)
    {
        await using var command = tx.Command(
            "INSERT INTO registration_audit (registration_id, action, detail, reason, operator, at) VALUES ($1, $2, $3, $4, $5, $6)",
            registrationId, a.Action, a.Detail, a.Reason, a.Operator, a.At);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>With <paramref name="forUpdate"/> (inside a transaction) the row stays locked until it ends.</summary>
    public Task<PrenatalRegistration?> FindAsync(NpgsqlConnection connection, Guid id, CancellationToken ct, bool forUpdate = false) =>
        FindOneAsync(connection, $"SELECT {Columns} FROM prenatal_registration WHERE registration_id = $1{(forUpdate ? " FOR UPDATE" : "")}", id, ct);

    public Task<PrenatalRegistration?> FindOpenAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct, bool forUpdate = false) =>
        FindOneAsync(connection, $"SELECT {Columns} FROM prenatal_registration WHERE id_number = $1 AND state = 'Open'{(forUpdate ? " FOR UPDATE" : "")}", idNumber, ct);

    /// <summary>The person's most recent registration, whatever its state (to tell whether a new one is the same pregnancy).</summary>
    public Task<PrenatalRegistration?> FindLatestAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct) =>
        FindOneAsync(connection, $"SELECT {Columns} FROM prenatal_registration WHERE id_number = $1 ORDER BY registered_at DESC LIMIT 1", idNumber, ct);

    /// <summary>The registration a settlement ended, if any.</summary>
    public Task<PrenatalRegistration?> FindEndedByAsync(NpgsqlConnection connection, Guid settlementId, CancellationToken ct) =>
        FindOneAsync(connection, $"SELECT {Columns} FROM prenatal_registration WHERE ended_by = $1 FOR UPDATE", settlementId, ct);

    /// <summary>
    /// Serialises what happens to one person's registrations (a settlement ending the pregnancy, its reversal, a new
    /// registration): what is read below stays true until the transaction ends.
    /// </summary>
    public Task LockPersonAsync(OutboxTransaction tx, string idNumber, CancellationToken ct) => tx.LockAsync("prenatal:" + idNumber, ct);

    /// <summary>Remembers a reversed settlement; true when it was not known yet.</summary>
    public async Task<bool> RememberReversalAsync(OutboxTransaction tx, Guid settlementId, string idNumber, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = tx.Command(
            "INSERT INTO reversed_settlement (settlement_id, id_number, reversed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", settlementId, idNumber, at);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> WasReversedAsync(NpgsqlConnection connection, Guid settlementId, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT EXISTS (SELECT 1 FROM reversed_settlement WHERE settlement_id = $1)", settlementId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<PrenatalRegistration>> ListAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct)
    {
        await using var command = connection.Command($"SELECT {Columns} FROM prenatal_registration WHERE id_number = $1 ORDER BY registered_at", idNumber);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<PrenatalRegistration>();
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return list;
    }

    public async Task<IReadOnlyList<RegistrationAudit>> AuditTrailAsync(NpgsqlConnection connection, Guid id, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT action, detail, reason, operator, at FROM registration_audit WHERE registration_id = $1 ORDER BY audit_id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<RegistrationAudit>();
        while (await reader.ReadAsync(ct))
            list.Add(new RegistrationAudit(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        return list;
    }

    private static async Task<PrenatalRegistration?> FindOneAsync(NpgsqlConnection connection, string sql, object key, CancellationToken ct)
    {
        await using var command = connection.Command(sql, key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static PrenatalRegistration Read(NpgsqlDataReader r)
    {
        return new PrenatalRegistration(r.GetGuid(0), r.GetGuid(15), ResidentIdNumber.FromStored(r.GetString(1)), r.GetString(2), r.GetFieldValue<DateOnly>(3),
            r.GetFieldValue<DateOnly>(4), r.GetInt32(5), r.GetString(6), r.GetDecimal(14), Enum.Parse<RegistrationChannel>(r.GetString(7)), r.GetString(8),
            Enum.Parse<RegistrationState>(r.GetString(9)), r.GetBoolean(10), r.GetFieldValue<DateTimeOffset>(11),
            r.IsDBNull(12) ? null : r.GetFieldValue<DateOnly>(12), r.IsDBNull(13) ? null : r.GetString(13), r.GetInt32(16),
            r.IsDBNull(17) ? null : r.GetGuid(17));
    }
}
