using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Notifications.Domain;
using Npgsql;

namespace MaternityCloud.Notifications.Infrastructure;

public sealed record MessageTally(MessageState State, Channel Channel, int Count);

public sealed record OperationsFigures(IReadOnlyList<MessageTally> PlannedToday, int SentToday, IReadOnlyList<(string Reason, int Count)> WaitingByReason);

/// <summary>The operators' dashboard figures, in one round trip (message_state and message_due indexes).</summary>
public sealed class OperationsStore(NpgsqlDataSource dataSource)
{
    public async Task<OperationsFigures> DayAsync(DateTimeOffset from, CancellationToken ct)
    {
        var to = from.AddDays(1);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT state, channel, count(*)::int FROM message WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2 ORDER BY 1, 2", from, to));
        batch.BatchCommands.Add(Sql.BatchCommand("SELECT count(*)::int FROM message WHERE sent_at >= $1 AND sent_at < $2", from, to));
        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT coalesce(deferred_because, ''), count(*)::int FROM message WHERE state = 'Queued' GROUP BY 1 ORDER BY 1"));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var planned = new List<MessageTally>();
        while (await reader.ReadAsync(ct))
            planned.Add(new MessageTally(Enum.Parse<MessageState>(reader.GetString(0)), Enum.Parse<Channel>(reader.GetString(1)), reader.GetInt32(2)));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var sent = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        var waiting = new List<(string, int)>();
        while (await reader.ReadAsync(ct)) waiting.Add((reader.GetString(0), reader.GetInt32(1)));
        return new OperationsFigures(planned, sent, waiting);
    }
}
