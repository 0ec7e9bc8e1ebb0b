using System.Diagnostics;
using System.Threading.Channels;
using MaternityCloud.BuildingBlocks.Domain;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>
/// Writes audit entries to the service's own <c>audit_log</c> table (schema 0003: append-only by trigger).
/// Entries outside a transaction (reads of a person's record, calls that changed nothing) are group-committed: each
/// caller still waits until its entry is committed, but the entries that arrive while one insert is in flight go
/// together in the next, one statement and one commit for all of them. Every settlement's eligibility check is such
/// a read, so under load this is one commit per batch instead of one per call.
/// </summary>
public sealed class AuditLog : IAuditLog, IAsyncDisposable
{
    private const int MaxBatch = 500;
    private const string Insert = """
        INSERT INTO audit_log (caller_kind, caller_id, role, site, action, kind, subject, request_id, trace_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """;
    private const string InsertMany = """
        INSERT INTO audit_log (at, caller_kind, caller_id, role, site, action, kind, subject, request_id, trace_id)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
        """;

    private sealed record Pending(AuditedCall Call, DateTimeOffset At, string? TraceId, TaskCompletionSource Committed);

    private readonly NpgsqlDataSource _dataSource;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public AuditLog(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _writer = Task.Run(WriteAsync);
    }

    public async Task RecordAsync(AuditedCall call, CancellationToken ct)
    {
        var pending = new Pending(call, DateTimeOffset.UtcNow, Activity.Current?.TraceId.ToHexString(),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(AuditLog), "the service is stopping");
        await pending.Committed.Task.WaitAsync(ct);
        call.MarkRecorded();
    }

    /// <summary>The entry's text columns after <c>at</c>, in the order of both inserts, except the trace id.</summary>
    private static readonly Func<AuditedCall, string?>[] Columns =
    [
        c => c.Caller.Kind.ToString(), c => c.Caller.Id, c => c.Caller.Role?.ToString() ?? c.Caller.Department?.ToString(), c => c.Caller.Site, c => c.Action,
        c => c.Kind.ToString(), c => c.Subject, c => c.RequestId,
    ];

    /// <summary>The same entry as a command of the transaction that makes the change.</summary>
    internal static NpgsqlBatchCommand InTransaction(AuditedCall call)
    {
        var command = new NpgsqlBatchCommand(Insert);
        foreach (var column in Columns) command.Parameters.Add(Text(column(call)));
        command.Parameters.Add(Text(Activity.Current?.TraceId.ToHexString()));
        return command;

        static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
    }

    private async Task WriteAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next)) batch.Add(next);
            try
            {
                await using var command = _dataSource.CreateCommand(InsertMany);
                command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(e => e.At).ToArray() });
                foreach (var column in Columns) AddColumn(command, batch.Select(e => column(e.Call)));
                AddColumn(command, batch.Select(e => e.TraceId));
                await command.ExecuteNonQueryAsync();
                foreach (var e in batch) e.Committed.TrySetResult();
            }
            catch (Exception error)
            {
                // Each caller hears that its entry was not written, as it did when it wrote its own.
                foreach (var e in batch) e.Committed.TrySetException(error);
            }
        }
    }

    private static void AddColumn(NpgsqlCommand command, IEnumerable<string?> values) =>
        command.Parameters.Add(new NpgsqlParameter { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer; // what was accepted is written before the data source goes
    }
}
