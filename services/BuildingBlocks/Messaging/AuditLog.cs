using System.Diagnostics;
using MaternityCloud.BuildingBlocks.Domain;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>Writes audit entries to the service's own <c>audit_log</c> table (schema 0003: append-only by trigger).</summary>
public sealed class AuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    private const string Insert = """
        INSERT INTO audit_log (caller_kind, caller_id, role, site, action, kind, subject, request_id, trace_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """;

    public async Task RecordAsync(AuditedCall call, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(Insert);
        Bind(command.Parameters, call);
        await command.ExecuteNonQueryAsync(ct);
        call.MarkRecorded();
    }

    /// <summary>The same entry as a command of the transaction that makes the change.</summary>
    internal static NpgsqlBatchCommand InTransaction(AuditedCall call)
    {
        var command = new NpgsqlBatchCommand(Insert);
        Bind(command.Parameters, call);
        return command;
    }

    private static void Bind(NpgsqlParameterCollection p, AuditedCall call)
    {
        p.Add(new NpgsqlParameter { Value = call.Caller.Kind.ToString() });
        p.Add(new NpgsqlParameter { Value = call.Caller.Id });
        p.Add(new NpgsqlParameter { Value = (object?)call.Caller.Role?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter { Value = (object?)call.Caller.Site ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter { Value = call.Action });
        p.Add(new NpgsqlParameter { Value = call.Kind.ToString() });
        p.Add(new NpgsqlParameter { Value = call.Subject });
        p.Add(new NpgsqlParameter { Value = (object?)call.RequestId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter { Value = (object?)Activity.Current?.TraceId.ToHexString() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
    }
}
