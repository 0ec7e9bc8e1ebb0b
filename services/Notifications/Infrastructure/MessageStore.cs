using System.Text.Json;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Notifications.Domain;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.Notifications.Infrastructure;

/// <summary>What the dispatcher learned about one claimed message.</summary>
public abstract record DispatchOutcome(Guid MessageId)
{
    /// <summary>The gateway took it and named it.</summary>
    public sealed record Accepted(Guid Id, int Attempt, string GatewayMessageId, DateTimeOffset At) : DispatchOutcome(Id);
    /// <summary>Not tried now (quiet hours, rate limit): back to the queue until <see cref="Until"/>, no attempt counted.</summary>
    public sealed record Deferred(Guid Id, DateTimeOffset Until, string Because) : DispatchOutcome(Id);
    /// <summary>The gateway failed; tried again at <see cref="Until"/>.</summary>
    public sealed record RetryLater(Guid Id, int Attempt, DateTimeOffset Until, string Error, DateTimeOffset At) : DispatchOutcome(Id);
    /// <summary>The gateway refused it for good, or every attempt failed.</summary>
    public sealed record GaveUp(Guid Id, int Attempt, string Error, DateTimeOffset At) : DispatchOutcome(Id);
}

/// <summary>Which messages to list; <see cref="After"/> is the last one of the previous page (newest first).</summary>
public sealed record MessageFilter(string? IdNumber, MessageState? State, string? Kind, (DateTimeOffset CreatedAt, Guid MessageId)? After, int Limit);

public sealed class MessageStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns =
        """
        message_id, kind, subject, id_number, region, channel, address, template_version, external_template_id, text, fields, link,
        state, due_at, deferred_because, attempts, last_error, gateway_message_id, source_event_id, source_event_type, resent_from,
        requested_by, created_at, sent_at, receipted_at, trace_parent
        """;

    /// <summary>
    /// Applies a stored receipt to the sent message with its gateway id; the caller narrows which message ("AND …"). One
    /// statement for both orders: a receipt arriving after the send, and a send recorded after its receipt. Gateway ids
    /// may repeat (a restarted gateway numbers again), so the caller also says which message with the id is meant.
    /// </summary>
    private const string ApplyStoredReceipt =
        """
        UPDATE message m SET state = CASE WHEN r.delivered THEN 'Delivered' ELSE 'Undelivered' END, receipted_at = r.received_at,
            last_error = CASE WHEN r.delivered THEN NULL ELSE r.detail END
        FROM delivery_receipt r
        WHERE r.channel = m.channel AND r.gateway_message_id = m.gateway_message_id AND m.state IN ('Sent', 'Delivered', 'Undelivered')
        """;

    /// <summary>Writes new messages; one whose deduplication key is taken (the same event again) is skipped. Returns those written.</summary>
    public static async Task<IReadOnlyList<Message>> InsertAsync(OutboxTransaction tx, IReadOnlyList<(Message Message, string Key)> messages, CancellationToken ct)
    {
        if (messages.Count == 0) return [];
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        foreach (var (m, key) in messages)
            batch.BatchCommands.Add(Sql.BatchCommand(
                """
                INSERT INTO message (message_id, deduplication_key, kind, subject, id_number, region, channel, address, template_version,
                    external_template_id, text, fields, link, state, due_at, deferred_because, source_event_id, source_event_type,
                    resent_from, requested_by, created_at, trace_parent, last_error)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
                ON CONFLICT (deduplication_key) DO NOTHING
                """,
                m.MessageId, key, m.Kind, m.Subject, m.IdNumber, m.Region, m.Channel.ToString(), m.Address, m.TemplateVersion,
                m.ExternalTemplateId, m.Rendered.Text, FieldsParameter(m.Rendered.Fields), m.Rendered.Link, m.State.ToString(), m.DueAt,
                m.DeferredBecause, m.SourceEventId, m.SourceEventType, m.ResentFrom, m.RequestedBy, m.CreatedAt, StoredTrace.Current, m.LastError));
        await batch.ExecuteNonQueryAsync(ct);
        return Enumerable.Range(0, messages.Count).Where(i => batch.BatchCommands[i].RecordsAffected == 1).Select(i => messages[i].Message).ToList();
    }

    /// <summary>
    /// Takes up to <paramref name="limit"/> due messages for sending, and any whose sender died holding them (lease over).
    /// SKIP LOCKED lets several replicas take disjoint messages.
    /// </summary>
    public async Task<IReadOnlyList<Message>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var claim = connection.Command(
            $"""
            UPDATE message m SET state = 'Sending', lease_until = $2, sending_since = coalesce(m.sending_since, $1)
            FROM (SELECT message_id FROM message
                  WHERE (state = 'Queued' AND due_at <= $1) OR (state = 'Sending' AND lease_until <= $1)
                  ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE m.message_id = due.message_id
            RETURNING {Prefixed("m")}
            """, now, leaseUntil, limit);
        return await ReadAllAsync(claim, ct);
    }

    /// <summary>
    /// Records what the dispatcher learned, in one round trip. A receipt that came before the gateway id was known is
    /// applied too. Should the database refuse the batch for one message's sake, each is recorded on its own, so no
    /// gateway answer leaves the others Sending.
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<DispatchOutcome> outcomes, CancellationToken ct)
    {
        if (outcomes.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await RecordBatchAsync(connection, outcomes, ct);
        }
        catch (PostgresException) when (outcomes.Count > 1)
        {
            // One by one: the ones the database takes are recorded; one it still refuses is taken up again after its lease.
            foreach (var outcome in outcomes)
            {
                try { await RecordBatchAsync(connection, [outcome], ct); }
                catch (PostgresException) { }
            }
        }
    }

    private static async Task RecordBatchAsync(NpgsqlConnection connection, IReadOnlyList<DispatchOutcome> outcomes, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var outcome in outcomes)
        {
            switch (outcome)
            {
                case DispatchOutcome.Accepted a:
                    batch.BatchCommands.Add(Sql.BatchCommand(
                        """
                        UPDATE message SET state = 'Sent', gateway_message_id = $2, sent_at = $3, attempts = $4, lease_until = NULL,
                            deferred_because = NULL, last_error = NULL
                        WHERE message_id = $1 AND state = 'Sending'
                        """, a.Id, a.GatewayMessageId, a.At, a.Attempt));
                    // Only a receipt that came while this send was under way is this send's (an older one is another message's).
                    batch.BatchCommands.Add(Sql.BatchCommand($"{ApplyStoredReceipt} AND m.message_id = $1 AND r.received_at >= m.sending_since", a.Id));
                    batch.BatchCommands.Add(Attempt(a.Id, a.Attempt, a.At, "accepted", a.GatewayMessageId));
                    break;
                case DispatchOutcome.Deferred d:
                    batch.BatchCommands.Add(Sql.BatchCommand(
                        "UPDATE message SET state = 'Queued', due_at = $2, deferred_because = $3, lease_until = NULL WHERE message_id = $1 AND state = 'Sending'",
                        d.Id, d.Until, d.Because));
                    break;
                case DispatchOutcome.RetryLater r:
                    batch.BatchCommands.Add(Sql.BatchCommand(
                        """
                        UPDATE message SET state = 'Queued', due_at = $2, deferred_because = 'retry', attempts = $3, last_error = $4, lease_until = NULL
                        WHERE message_id = $1 AND state = 'Sending'
                        """, r.Id, r.Until, r.Attempt, r.Error));
                    batch.BatchCommands.Add(Attempt(r.Id, r.Attempt, r.At, "failed", r.Error));
                    break;
                case DispatchOutcome.GaveUp g:
                    batch.BatchCommands.Add(Sql.BatchCommand(
                        """
                        UPDATE message SET state = 'Failed', attempts = $2, last_error = $3, lease_until = NULL, deferred_because = NULL
                        WHERE message_id = $1 AND state = 'Sending'
                        """, g.Id, g.Attempt, g.Error));
                    batch.BatchCommands.Add(Attempt(g.Id, g.Attempt, g.At, "gave up", g.Error));
                    break;
            }
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Attempt(Guid id, int attempt, DateTimeOffset at, string outcome, string? detail) => Sql.BatchCommand(
        "INSERT INTO delivery_attempt (message_id, attempt, at, outcome, detail) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        id, attempt, at, outcome, detail);

    /// <summary>
    /// Stores the gateway's receipt and applies it to its message. The latest report wins; a repeated receipt changes nothing.
    /// Returns false when no sent message has that gateway id yet (the receipt waits for it).
    /// </summary>
    public async Task<bool> ApplyReceiptAsync(Channel channel, string gatewayMessageId, bool delivered, string? detail,
        DateTimeOffset reportedAt, DateTimeOffset receivedAt, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.BatchCommand(
                    """
                    INSERT INTO delivery_receipt (channel, gateway_message_id, delivered, detail, reported_at, received_at) VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (channel, gateway_message_id) DO UPDATE SET delivered = excluded.delivered, detail = excluded.detail,
                        reported_at = excluded.reported_at, received_at = excluded.received_at
                    WHERE delivery_receipt.reported_at <= excluded.reported_at
                    """, channel.ToString(), gatewayMessageId, delivered, detail, reportedAt, receivedAt),
                Sql.BatchCommand($"""
                    {ApplyStoredReceipt} AND m.channel = $1 AND m.gateway_message_id = $2
                      AND m.message_id = (SELECT message_id FROM message WHERE channel = $1 AND gateway_message_id = $2 ORDER BY sent_at DESC NULLS LAST LIMIT 1)
                    """, channel.ToString(), gatewayMessageId),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        return batch.BatchCommands[1].RecordsAffected > 0;
    }

    /// <summary>Serialises the notices about one subject (an allowance case's approval and its withdrawal) until the transaction ends.</summary>
    public static Task LockSubjectAsync(OutboxTransaction tx, string subject, CancellationToken ct) => tx.LockAsync("notice:" + subject, ct);

    /// <summary>Remembers that what notices of <paramref name="kind"/> about the subject announce was withdrawn.</summary>
    public static async Task WithdrawAsync(OutboxTransaction tx, string kind, string subject, string reason, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = tx.Command(
            """
            INSERT INTO withdrawn_notice (kind, subject, reason, withdrawn_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (kind, subject) DO UPDATE SET reason = excluded.reason, withdrawn_at = excluded.withdrawn_at
            WHERE withdrawn_notice.withdrawn_at < excluded.withdrawn_at
            """, kind, subject, reason, at);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether what a notice of <paramref name="kind"/> about the subject announces, as of <paramref name="occurredAt"/>, was withdrawn since.</summary>
    public static async Task<bool> WasWithdrawnAsync(NpgsqlConnection connection, string kind, string subject, DateTimeOffset occurredAt, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT EXISTS (SELECT 1 FROM withdrawn_notice WHERE kind = $1 AND subject = $2 AND withdrawn_at >= $3)", kind, subject, occurredAt);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The messages about a subject (e.g. an allowance case) of one kind, for undoing what they announced.</summary>
    public static async Task<IReadOnlyList<Message>> AboutAsync(NpgsqlConnection connection, string kind, string subject, CancellationToken ct)
    {
        await using var select = connection.Command($"SELECT {Columns} FROM message WHERE kind = $1 AND subject = $2 FOR UPDATE", kind, subject);
        return await ReadAllAsync(select, ct);
    }

    /// <summary>Marks queued messages cancelled: what they announced was undone before they went out.</summary>
    public static async Task CancelAsync(NpgsqlConnection connection, IEnumerable<Guid> messageIds, string reason, CancellationToken ct)
    {
        await using var cancel = connection.Command(
            "UPDATE message SET state = 'Cancelled', last_error = $2, lease_until = NULL WHERE message_id = ANY($1) AND state = 'Queued'",
            messageIds.ToArray(), reason);
        await cancel.ExecuteNonQueryAsync(ct);
    }

    public static async Task<Message?> FindForUpdateAsync(NpgsqlConnection connection, Guid messageId, CancellationToken ct)
    {
        await using var select = connection.Command($"SELECT {Columns} FROM message WHERE message_id = $1 FOR UPDATE", messageId);
        return (await ReadAllAsync(select, ct)).SingleOrDefault();
    }

    public static async Task<Message?> FindByKeyAsync(NpgsqlConnection connection, string deduplicationKey, CancellationToken ct)
    {
        await using var select = connection.Command($"SELECT {Columns} FROM message WHERE deduplication_key = $1", deduplicationKey);
        return (await ReadAllAsync(select, ct)).SingleOrDefault();
    }

    public async Task<Message?> FindAsync(Guid messageId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var select = connection.Command($"SELECT {Columns} FROM message WHERE message_id = $1", messageId);
        return (await ReadAllAsync(select, ct)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<DeliveryAttempt>> AttemptsAsync(Guid messageId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var select = connection.Command("SELECT attempt, at, outcome, detail FROM delivery_attempt WHERE message_id = $1 ORDER BY attempt", messageId);
        await using var reader = await select.ExecuteReaderAsync(ct);
        var attempts = new List<DeliveryAttempt>();
        while (await reader.ReadAsync(ct))
            attempts.Add(new DeliveryAttempt(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        return attempts;
    }

    /// <summary>Newest first: a person's history, or every message in a state (the failed ones an operator looks at).</summary>
    public async Task<IReadOnlyList<Message>> ListAsync(MessageFilter filter, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var select = connection.Command(
            $"""
            SELECT {Columns} FROM message
            WHERE ($1::text IS NULL OR id_number = $1) AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR kind = $3)
              AND ($4::timestamptz IS NULL OR (created_at, message_id) < ($4, $5))
            ORDER BY created_at DESC, message_id DESC LIMIT $6
            """,
            Sql.Optional(filter.IdNumber, NpgsqlDbType.Text), Sql.Optional(filter.State?.ToString(), NpgsqlDbType.Text),
            Sql.Optional(filter.Kind, NpgsqlDbType.Text), Sql.Optional(filter.After?.CreatedAt, NpgsqlDbType.TimestampTz),
            Sql.Optional(filter.After?.MessageId, NpgsqlDbType.Uuid), filter.Limit);
        return await ReadAllAsync(select, ct);
    }

    private static string Prefixed(string alias) =>
        string.Join(", ", Columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => $"{alias}.{c}"));

    private static NpgsqlParameter FieldsParameter(IReadOnlyList<RenderedField> fields) =>
        new() { Value = JsonSerializer.Serialize(fields, Json), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static async Task<IReadOnlyList<Message>> ReadAllAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var messages = new List<Message>();
        while (await reader.ReadAsync(ct))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            var rendered = new RenderedMessage(reader.GetString(9), JsonSerializer.Deserialize<List<RenderedField>>(reader.GetString(10), Json)!, Text(11));
            messages.Add(new Message(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                Enum.Parse<Channel>(reader.GetString(5)), Text(6), reader.GetInt32(7), Text(8), rendered, Enum.Parse<MessageState>(reader.GetString(12)),
                reader.GetFieldValue<DateTimeOffset>(13), Text(14), reader.GetInt32(15), Text(16), Text(17), reader.GetGuid(18), reader.GetString(19),
                reader.IsDBNull(20) ? null : reader.GetGuid(20), Text(21), reader.GetFieldValue<DateTimeOffset>(22), Time(23), Time(24))
                { TraceParent = Text(25) });
        }
        return messages;
    }
}
