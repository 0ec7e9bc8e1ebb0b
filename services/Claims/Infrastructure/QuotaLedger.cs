using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Claims.Application;
using Npgsql;

namespace MaternityCloud.Claims.Infrastructure;

/// <summary>
/// The prenatal quota ledger (table prenatal_quota): one row per registered pregnancy, opened from Prenatal's events or
/// its answer to a settlement, consumed under a row lock in the settlement's transaction, given back by a reversal.
/// </summary>
public sealed class QuotaLedger
{
    public async Task<OpenRegistration?> FindOpenAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT registration_id, region, cap FROM prenatal_quota WHERE id_number = $1 AND open ORDER BY opened_at DESC LIMIT 1", idNumber);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new OpenRegistration(reader.GetGuid(0), idNumber, reader.GetString(1), reader.GetDecimal(2)) : null;
    }

    /// <summary>What the pregnancy used so far, read without a lock (a preview); 0 for a registration not in the ledger yet.</summary>
    public async Task<decimal> UsedAsync(NpgsqlConnection connection, Guid registrationId, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT used FROM prenatal_quota WHERE registration_id = $1", registrationId);
        return (decimal?)await command.ExecuteScalarAsync(ct) ?? 0m;
    }

    /// <summary>Opens the ledger row of a registration; a registration already known keeps its row (and what it used).</summary>
    public async Task OpenAsync(NpgsqlConnection connection, OpenRegistration registration, CancellationToken ct)
    {
        await using var command = connection.Command(
            "INSERT INTO prenatal_quota (registration_id, id_number, region, cap) VALUES ($1, $2, $3, $4) ON CONFLICT (registration_id) DO NOTHING",
            registration.RegistrationId, registration.IdNumber, registration.Region, registration.Quota);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Adds (or, negative, gives back) an amount to what the pregnancy used.</summary>
    public async Task AddUsedAsync(OutboxTransaction tx, Guid registrationId, decimal amount, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction) { BatchCommands = { AddUsedCommand(registrationId, amount) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Locks the row until the transaction ends and reads (cap, used): concurrent settlements of one pregnancy queue here.</summary>
    internal static NpgsqlBatchCommand LockCommand(Guid registrationId) =>
        Sql.BatchCommand("SELECT cap, used FROM prenatal_quota WHERE registration_id = $1 FOR UPDATE", registrationId);

    internal static NpgsqlBatchCommand AddUsedCommand(Guid registrationId, decimal amount) =>
        Sql.BatchCommand("UPDATE prenatal_quota SET used = used + $2 WHERE registration_id = $1", registrationId, amount);

    public async Task CloseAsync(OutboxTransaction tx, Guid registrationId, CancellationToken ct)
    {
        await using var command = tx.Command("UPDATE prenatal_quota SET open = false WHERE registration_id = $1", registrationId);
        await command.ExecuteNonQueryAsync(ct);
    }
}
