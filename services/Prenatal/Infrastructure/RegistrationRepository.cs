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
        "registration_id, id_number, region, pregnancy_date, expected_delivery_date, fetus_count, hospital_code, channel, operator, state, automatic, registered_at, ended_on, end_outcome, prenatal_quota";

    /// <summary>False when the person already has an open registration.</summary>
    public async Task<bool> TryInsertAsync(OutboxTransaction tx, PrenatalRegistration r, CancellationToken ct)
    {
        await using var command = tx.Command(
            $"INSERT INTO prenatal_registration ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING",
            r.RegistrationId, r.IdNumber.Value, r.Region, r.PregnancyDate, r.ExpectedDeliveryDate, r.FetusCount, r.HospitalCode,
            r.Channel.ToString(), r.Operator, r.State.ToString(), r.Automatic, r.RegisteredAt, r.EndedOn, r.EndOutcome, r.PrenatalQuota);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task UpdateAsync(OutboxTransaction tx, PrenatalRegistration r, CancellationToken ct)
    {
        await using var command = tx.Command(
            """
            UPDATE prenatal_registration SET pregnancy_date = $2, expected_delivery_date = $3, fetus_count = $4, hospital_code = $5,
                state = $6, ended_on = $7, end_outcome = $8
            WHERE registration_id = $1
            """,
            r.RegistrationId, r.PregnancyDate, r.ExpectedDeliveryDate, r.FetusCount, r.HospitalCode, r.State.ToString(), r.EndedOn, r.EndOutcome);
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
        return new PrenatalRegistration(r.GetGuid(0), ResidentIdNumber.FromStored(r.GetString(1)), r.GetString(2), r.GetFieldValue<DateOnly>(3), r.GetFieldValue<DateOnly>(4),
            r.GetInt32(5), r.GetString(6), r.GetDecimal(14), Enum.Parse<RegistrationChannel>(r.GetString(7)), r.GetString(8),
            Enum.Parse<RegistrationState>(r.GetString(9)), r.GetBoolean(10), r.GetFieldValue<DateTimeOffset>(11),
            r.IsDBNull(12) ? null : r.GetFieldValue<DateOnly>(12), r.IsDBNull(13) ? null : r.GetString(13));
    }
}
