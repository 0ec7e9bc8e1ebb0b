using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>
/// The one way application handlers change their service's database: a transaction whose published events are
/// stored in the outbox and committed with it, after which the relay is nudged so publishing does not wait for a poll.
/// </summary>
public sealed class ServiceDatabase(NpgsqlDataSource dataSource, OutboxSignal outboxSignal)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public async Task<T> InTransactionAsync<T>(Func<OutboxTransaction, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var outboxTransaction = new OutboxTransaction(connection, transaction);

        var result = await work(outboxTransaction, ct);
        var events = outboxTransaction.Events;
        // The call or event this transaction serves is audited in it: no change, and no read of a person's record,
        // without its entry.
        var call = outboxTransaction.Audited ?? (AuditedCall.Current is { Kind: not AuditKind.None, Recorded: false } current ? current : null);
        var audited = call is not null && outboxTransaction.Subject is { } subject ? call.About(subject) : call;
        if (events.Count > 0 || audited is not null)
            await WriteRecordsAsync(outboxTransaction, audited, ct);
        await transaction.CommitAsync(ct);

        call?.MarkRecorded();
        if (events.Count > 0) outboxSignal.Nudge();
        outboxTransaction.Committed();
        return result;
    }

    public Task InTransactionAsync(Func<OutboxTransaction, CancellationToken, Task> work, CancellationToken ct) =>
        InTransactionAsync<bool>(async (tx, token) => { await work(tx, token); return true; }, ct);

    private static async Task WriteRecordsAsync(OutboxTransaction tx, AuditedCall? audited, CancellationToken ct)
    {
        var traceParent = StoredTrace.Current; // the relay continues this trace when it publishes
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        if (audited is not null) batch.BatchCommands.Add(AuditLog.InTransaction(audited));
        foreach (var e in tx.Events)
        {
            var type = e.GetType();
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO outbox_message (message_id, message_type, body, occurred_at, trace_parent) VALUES ($1, $2, $3, $4, $5)")
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = e.EventId },
                    new NpgsqlParameter { Value = IntegrationEventTypes.NameOf(type) },
                    new NpgsqlParameter { Value = JsonSerializer.Serialize(e, type, IntegrationEventTypes.Json), NpgsqlDbType = NpgsqlDbType.Jsonb },
                    new NpgsqlParameter { Value = e.OccurredAt.ToUniversalTime() },
                    new NpgsqlParameter { Value = (object?)traceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                },
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// Wakes a background worker that otherwise polls: right after a commit that gave it work, so the work does not wait
/// for the next poll. At most one wake-up is pending: many commits during one pass need only one more pass.
/// </summary>
public class WakeSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Nudge()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { }
        }
    }

    /// <summary>True when nudged, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

/// <summary>Wakes the outbox relay right after a commit that wrote outbox rows.</summary>
public sealed class OutboxSignal : WakeSignal;
