using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>
/// Publishes committed outbox rows to RabbitMQ and marks them sent. It never gives up on a row: when the broker is
/// away it backs off and tries again until the broker has taken every row. A crash between commit and publish
/// leaves the row unsent, and the next pass (of this or another replica) publishes it. Rows are claimed with
/// SKIP LOCKED so replicas share the work. A row can be published twice (crash after publish, before the mark):
/// consumers' inboxes make that harmless, since the message id is the event id.
/// </summary>
public sealed partial class OutboxRelay(
    NpgsqlDataSource dataSource,
    IBus bus,
    OutboxSignal signal,
    IOptions<MessagingOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private static readonly Meter Meter = new("MaternityCloud.Messaging");
    private static readonly ActivitySource Tracing = new("MaternityCloud.Messaging");
    private static readonly Counter<long> Published = Meter.CreateCounter<long>("outbox.published", "{message}");
    private static readonly Counter<long> PublishFailures = Meter.CreateCounter<long>("outbox.publish_failures", "{message}");

    private readonly MessagingOptions _options = options.Value;
    private DateTime _nextCleanup = DateTime.UtcNow;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        var outage = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await PublishBatchAsync(stoppingToken);
                if (result.Failed == 0)
                {
                    if (outage) LogRecovered();
                    outage = false;
                    backoff = TimeSpan.Zero;
                    await CleanupIfDueAsync(stoppingToken);
                    if (result.Claimed == _options.OutboxBatchSize) continue; // more waiting: no pause
                    await signal.WaitAsync(_options.OutboxPollInterval, stoppingToken);
                    continue;
                }
                if (!outage) LogOutage(result.Failed, result.LastError);
                outage = true;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database itself is away: same treatment as the broker.
                if (!outage) LogOutage(0, e.Message);
                outage = true;
            }
            backoff = NextBackoff(backoff);
            try { await Task.Delay(backoff, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }

    private TimeSpan NextBackoff(TimeSpan current) =>
        current == TimeSpan.Zero
            ? _options.OutboxMinBackoff
            : TimeSpan.FromTicks(Math.Min(current.Ticks * 2, _options.OutboxMaxBackoff.Ticks));

    private sealed record BatchResult(int Claimed, int Failed, string? LastError);

    private async Task<BatchResult> PublishBatchAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        var rows = new List<(long Sequence, Guid MessageId, string Type, string Body, string? TraceParent)>();
        await using (var select = new NpgsqlCommand(
            """
            SELECT sequence, message_id, message_type, body::text, trace_parent FROM outbox_message
            WHERE sent_at IS NULL AND next_attempt_at <= now()
            ORDER BY sequence LIMIT $1
            FOR UPDATE SKIP LOCKED
            """, connection, tx))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = _options.OutboxBatchSize });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        if (rows.Count == 0)
        {
            await tx.CommitAsync(ct);
            return new BatchResult(0, 0, null);
        }

        var outcomes = await Task.WhenAll(rows.Select(row => PublishOneAsync(row.MessageId, row.Type, row.Body, row.TraceParent, ct)));

        var sent = rows.Where((_, i) => outcomes[i] is null).Select(r => r.Sequence).ToArray();
        await using (var markSent = new NpgsqlCommand(
            "UPDATE outbox_message SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE sequence = ANY($1)",
            connection, tx))
        {
            markSent.Parameters.Add(new NpgsqlParameter { Value = sent });
            await markSent.ExecuteNonQueryAsync(ct);
        }

        string? lastError = null;
        for (var i = 0; i < rows.Count; i++)
        {
            if (outcomes[i] is not { } error) continue;
            lastError = error;
            // Each row remembers why it is still waiting, so an operator can see a stuck event and its cause.
            await using var markFailed = new NpgsqlCommand(
                """
                UPDATE outbox_message SET attempts = attempts + 1, last_error = $2,
                    next_attempt_at = now() + least(interval '1 second' * power(2, least(attempts, 10)), $3)
                WHERE sequence = $1
                """, connection, tx);
            markFailed.Parameters.Add(new NpgsqlParameter { Value = rows[i].Sequence });
            markFailed.Parameters.Add(new NpgsqlParameter { Value = error });
            markFailed.Parameters.Add(new NpgsqlParameter { Value = _options.OutboxMaxBackoff });
            await markFailed.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);

        Published.Add(sent.Length);
        if (rows.Count - sent.Length > 0) PublishFailures.Add(rows.Count - sent.Length);
        return new BatchResult(rows.Count, rows.Count - sent.Length, lastError);
    }

    /// <returns>null when the broker confirmed the message, otherwise the reason it did not.</returns>
    private async Task<string?> PublishOneAsync(Guid messageId, string typeName, string body, string? traceParent, CancellationToken ct)
    {
        // Published inside the trace of the transaction that wrote the row, not a new one: MassTransit's publish span
        // and every consumer downstream join the operation that caused the event.
        using var activity = StoredTrace.Continue(Tracing, $"outbox relay {typeName}", traceParent);
        activity?.SetTag("messaging.message.id", messageId.ToString());
        if (!IntegrationEventTypes.TryResolve(typeName, out var type))
            return $"unknown event type '{typeName}'";
        try
        {
            var message = JsonSerializer.Deserialize(body, type, IntegrationEventTypes.Json)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.PublishTimeout);
            await bus.Publish(message, type, Pipe.Execute<PublishContext>(c => c.MessageId = messageId), timeout.Token);
            return null;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? "broker did not confirm in time" : $"{e.GetType().Name}: {e.Message}";
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            return reason;
        }
    }

    /// <summary>Keeps the tables small: sent rows and old inbox entries are kept for a retention period, then dropped.</summary>
    private async Task CleanupIfDueAsync(CancellationToken ct)
    {
        if (DateTime.UtcNow < _nextCleanup) return;
        _nextCleanup = DateTime.UtcNow.AddHours(1);
        await using var cleanup = dataSource.CreateBatch();
        cleanup.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM outbox_message WHERE sent_at < now() - $1")
            { Parameters = { new NpgsqlParameter { Value = _options.SentOutboxRetention } } });
        cleanup.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM inbox_message WHERE received_at < now() - $1")
            { Parameters = { new NpgsqlParameter { Value = _options.InboxRetention } } });
        await cleanup.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay cannot publish ({Failed} messages failed): {Reason}. Retrying with backoff; nothing is lost.")]
    private partial void LogOutage(int failed, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox relay publishing again")]
    private partial void LogRecovered();
}
