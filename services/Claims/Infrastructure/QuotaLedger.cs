using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Claims.Application;
using Npgsql;

namespace MaternityCloud.Claims.Infrastructure;

/// <summary>
/// The prenatal quota ledger: one row per pregnancy (pregnancy_quota: cap and what is used), consumed under a row lock
/// in the settlement's transaction and given back by a reversal; and one row per registration that points at it
/// (quota_registration), open while Prenatal says the registration is. Registrations' opening and closing arrive as
/// events in any order; each carries Prenatal's state version, and only a newer one changes the row.
/// </summary>
public sealed class QuotaLedger
{
    public async Task<OpenRegistration?> FindOpenAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            SELECT r.registration_id, r.pregnancy_id, q.region, q.cap, r.state_version FROM quota_registration r JOIN pregnancy_quota q USING (pregnancy_id)
            WHERE r.id_number = $1 AND r.open ORDER BY r.opened_at DESC LIMIT 1
            """, idNumber);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new OpenRegistration(reader.GetGuid(0), reader.GetGuid(1), idNumber, reader.GetString(2), reader.GetDecimal(3), reader.GetInt32(4))
            : null;
    }

    /// <summary>What the pregnancy used so far, read without a lock (a preview); 0 for a pregnancy not in the ledger yet.</summary>
    public async Task<decimal> UsedAsync(NpgsqlConnection connection, Guid pregnancyId, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT used FROM pregnancy_quota WHERE pregnancy_id = $1", pregnancyId);
        return (decimal?)await command.ExecuteScalarAsync(ct) ?? 0m;
    }

    /// <summary>
    /// Opens the pregnancy's quota (a pregnancy already known keeps its cap and what it used) and the registration's row
    /// (a registration already known keeps its state: a cancellation that arrived first stays).
    /// </summary>
    public async Task OpenAsync(NpgsqlConnection connection, OpenRegistration registration, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.BatchCommand("INSERT INTO pregnancy_quota (pregnancy_id, id_number, region, cap) VALUES ($1, $2, $3, $4) ON CONFLICT (pregnancy_id) DO NOTHING",
                    registration.PregnancyId, registration.IdNumber, registration.Region, registration.Quota),
                Sql.BatchCommand(
                    """
                    INSERT INTO quota_registration (registration_id, pregnancy_id, id_number, open, state_version) VALUES ($1, $2, $3, true, $4)
                    ON CONFLICT (registration_id) DO UPDATE SET open = true, state_version = excluded.state_version
                    WHERE quota_registration.state_version < excluded.state_version
                    """, registration.RegistrationId, registration.PregnancyId, registration.IdNumber, registration.StateVersion),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A registration closed (cancelled, or its pregnancy ended) or reopened, at Prenatal's <paramref name="stateVersion"/>:
    /// applied only if newer than what the ledger has, and remembered for a registration not heard of yet.
    /// </summary>
    public async Task SetOpenAsync(OutboxTransaction tx, Guid registrationId, Guid pregnancyId, string idNumber, bool open, int stateVersion, CancellationToken ct)
    {
        await using var command = tx.Command(
            """
            INSERT INTO quota_registration (registration_id, pregnancy_id, id_number, open, state_version) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (registration_id) DO UPDATE SET open = excluded.open, state_version = excluded.state_version
            WHERE quota_registration.state_version < excluded.state_version
            """, registrationId, pregnancyId, idNumber, open, stateVersion);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Adds (or, negative, gives back) an amount to what the pregnancy used.</summary>
    public async Task AddUsedAsync(OutboxTransaction tx, Guid pregnancyId, decimal amount, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction) { BatchCommands = { AddUsedCommand(pregnancyId, amount) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Locks the pregnancy's row until the transaction ends and reads (cap, used): concurrent settlements of one pregnancy queue here.</summary>
    internal static NpgsqlBatchCommand LockCommand(Guid pregnancyId) =>
        Sql.BatchCommand("SELECT cap, used FROM pregnancy_quota WHERE pregnancy_id = $1 FOR UPDATE", pregnancyId);

    internal static NpgsqlBatchCommand AddUsedCommand(Guid pregnancyId, decimal amount) =>
        Sql.BatchCommand("UPDATE pregnancy_quota SET used = used + $2 WHERE pregnancy_id = $1", pregnancyId, amount);
}
