using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>
/// A database transaction of the service's own database in which events can be published: they are written to the
/// outbox in the same transaction as the business rows, so either both happen or neither does.
/// </summary>
public sealed class OutboxTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    private readonly List<IIntegrationEvent> _events = [];
    private List<Action>? _afterCommit;

    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;
    internal IReadOnlyList<IIntegrationEvent> Events => _events;
    internal AuditedCall? Audited { get; private set; }

    /// <summary>Audits this transaction as <paramref name="call"/> (instead of the ambient call, if any), written with it.</summary>
    public void Audit(AuditedCall call) => Audited = call;

    /// <summary>Whose record this transaction read or changed, when the request named only the record (its person's ID number).</summary>
    public void About(string subject) => Subject = subject;

    internal string? Subject { get; private set; }

    /// <summary>
    /// Serialises, until this transaction ends, every transaction that locks the same key (e.g. "allowance:" and a
    /// person's ID number): what each reads under the lock stays true until it commits, so events about one subject
    /// that arrive together are handled one after the other.
    /// </summary>
    public async Task LockAsync(string key, CancellationToken ct)
    {
        await using var command = Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Queues an event; it is written at commit and published by the relay after it.</summary>
    public void Publish(IIntegrationEvent integrationEvent) => _events.Add(integrationEvent);

    /// <summary>Runs <paramref name="action"/> once the transaction has committed (e.g. wakes a worker for the rows it wrote).</summary>
    public void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    internal void Committed()
    {
        if (_afterCommit is null) return;
        foreach (var action in _afterCommit) action();
    }

    public NpgsqlCommand Command(string sql, params object?[] positionalParameters)
    {
        var command = Connection.Command(sql, positionalParameters);
        command.Transaction = Transaction;
        return command;
    }
}
