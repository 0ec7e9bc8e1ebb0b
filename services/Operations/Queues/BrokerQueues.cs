using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Diagnostics.Metrics;
using MaternityCloud.BuildingBlocks.Domain;
using RabbitMQ.Client;

namespace MaternityCloud.Operations.Queues;

public sealed record QueueState(string Name, long Ready, long Unacknowledged, int Consumers, double PublishRate, double DeliverRate, bool IsErrorQueue);

/// <summary>A message waiting in an error queue, as an operator needs it to decide on a replay.</summary>
public sealed record ErrorQueueMessage(
    string Queue, string MessageId, string? MessageType, string? ExceptionType, string? Reason, DateTimeOffset? FailedAt, string Body);

/// <summary>The broker as an operator sees it: where to find the management API and the AMQP port.</summary>
public sealed record BrokerAddress(Uri Amqp, Uri? Management);

/// <summary>
/// RabbitMQ's queues for operators. Depth and rates come from the management API, polled every few seconds and
/// exported as OpenTelemetry gauges (rabbitmq.queue.*, by queue), so they chart in the Aspire dashboard too. Error queues ("{queue}_error", where MassTransit moves a message whose
/// retries are spent) are read over AMQP without taking anything, and one message can be replayed: it is published
/// back to its queue with broker confirmation first and only then removed from the error queue. A crash in between
/// leaves a copy in both; the consumer's inbox makes the second delivery harmless.
/// </summary>
public sealed class BrokerQueues : IAsyncDisposable
{
    public const string MeterName = "MaternityCloud.Operations";
    private readonly BrokerAddress broker;

    public BrokerQueues(BrokerAddress broker, IMeterFactory meters)
    {
        this.broker = broker;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("rabbitmq.queue.messages_ready", () => Gauge(q => q.Ready), "{message}", "Messages ready in the queue");
        meter.CreateObservableGauge("rabbitmq.queue.messages_unacknowledged", () => Gauge(q => q.Unacknowledged), "{message}", "Messages delivered and not yet acknowledged");
        meter.CreateObservableGauge("rabbitmq.queue.consumers", () => Gauge(q => q.Consumers), "{consumer}", "Consumers of the queue");
    }

    private IEnumerable<Measurement<long>> Gauge(Func<QueueState, long> value) =>
        _latest.Select(q => new Measurement<long>(value(q), new KeyValuePair<string, object?>("queue", q.Name)));

    private const string ErrorSuffix = "_error";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly SemaphoreSlim _amqpGate = new(1, 1);
    private IConnection? _connection;
    private IReadOnlyList<QueueState> _latest = [];

    public IReadOnlyList<QueueState> Latest => _latest;

    /// <summary>Reads every queue's depth and rates (the gauges report the latest reading).</summary>
    public async Task<IReadOnlyList<QueueState>> PollAsync(CancellationToken ct)
    {
        if (broker.Management is null) return [];
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(broker.Management, "/api/queues"));
        var user = Uri.UnescapeDataString(broker.Amqp.UserInfo.Split(':')[0] is { Length: > 0 } u ? u : "guest");
        var password = broker.Amqp.UserInfo.Contains(':') ? Uri.UnescapeDataString(broker.Amqp.UserInfo.Split(':', 2)[1]) : "guest";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        using var response = await Http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);

        var queues = new List<QueueState>();
        foreach (var q in json.RootElement.EnumerateArray())
        {
            var name = q.GetProperty("name").GetString()!;
            if (name.StartsWith("amq.", StringComparison.Ordinal)) continue;
            double Rate(string detail) =>
                q.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty(detail, out var d) && d.TryGetProperty("rate", out var r) ? r.GetDouble() : 0;
            long Count(string property) => q.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
            queues.Add(new QueueState(name, Count("messages_ready"), Count("messages_unacknowledged"), (int)Count("consumers"),
                Rate("publish_details"), Rate("deliver_get_details"), name.EndsWith(ErrorSuffix, StringComparison.Ordinal)));
        }
        _latest = queues.OrderBy(q => q.Name, StringComparer.Ordinal).ToList();
        return _latest;
    }

    /// <summary>The messages of an error queue, without taking them: they are returned to the queue unacknowledged.</summary>
    public async Task<IReadOnlyList<ErrorQueueMessage>> PeekAsync(string errorQueue, int limit, CancellationToken ct)
    {
        RequireErrorQueue(errorQueue);
        await _amqpGate.WaitAsync(ct);
        try
        {
            await using var channel = await (await ConnectionAsync(ct)).CreateChannelAsync(cancellationToken: ct);
            var messages = new List<ErrorQueueMessage>();
            while (messages.Count < limit && await channel.BasicGetAsync(errorQueue, autoAck: false, ct) is { } got)
                messages.Add(Describe(errorQueue, got));
            // Closing the channel returns every unacknowledged message to the queue, in order.
            await channel.CloseAsync(ct);
            return messages;
        }
        finally { _amqpGate.Release(); }
    }

    /// <summary>Moves one message from an error queue back to the queue it failed on; false when it is not there.</summary>
    public async Task<bool> ReplayAsync(string errorQueue, string messageId, CancellationToken ct)
    {
        RequireErrorQueue(errorQueue);
        var target = errorQueue[..^ErrorSuffix.Length];
        await _amqpGate.WaitAsync(ct);
        try
        {
            await using var channel = await (await ConnectionAsync(ct)).CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            while (await channel.BasicGetAsync(errorQueue, autoAck: false, ct) is { } got)
            {
                if (got.BasicProperties.MessageId != messageId) continue; // left unacknowledged: back in the queue at close
                var properties = new BasicProperties(got.BasicProperties) { Headers = WithoutFaultHeaders(got.BasicProperties.Headers) };
                await channel.BasicPublishAsync("", target, mandatory: true, properties, got.Body, ct); // returns once the broker confirmed
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, ct);
                await channel.CloseAsync(ct);
                return true;
            }
            await channel.CloseAsync(ct);
            return false;
        }
        finally { _amqpGate.Release(); }
    }

    /// <summary>
    /// Moves every message of every error queue back to the queue it failed on; the count per queue. Only the messages
    /// there when it starts: one that fails again lands behind them and waits for the next replay.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> ReplayAllAsync(CancellationToken ct)
    {
        var replayed = new Dictionary<string, long>();
        foreach (var queue in (await PollAsync(ct)).Where(q => q.IsErrorQueue && q.Ready > 0))
        {
            await _amqpGate.WaitAsync(ct);
            try
            {
                await using var channel = await (await ConnectionAsync(ct)).CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
                var target = queue.Name[..^ErrorSuffix.Length];
                var waiting = (await channel.QueueDeclarePassiveAsync(queue.Name, ct)).MessageCount;
                long count = 0;
                while (count < waiting && await channel.BasicGetAsync(queue.Name, autoAck: false, ct) is { } got)
                {
                    var properties = new BasicProperties(got.BasicProperties) { Headers = WithoutFaultHeaders(got.BasicProperties.Headers) };
                    await channel.BasicPublishAsync("", target, mandatory: true, properties, got.Body, ct); // returns once the broker confirmed
                    await channel.BasicAckAsync(got.DeliveryTag, multiple: false, ct);
                    count++;
                }
                await channel.CloseAsync(ct);
                replayed[queue.Name] = count;
            }
            finally { _amqpGate.Release(); }
        }
        return replayed;
    }

    private static void RequireErrorQueue(string queue)
    {
        if (!queue.EndsWith(ErrorSuffix, StringComparison.Ordinal) || queue.Length == ErrorSuffix.Length)
            throw new ArgumentException($"'{queue}' is not an error queue (its name must end in {ErrorSuffix}).", nameof(queue));
    }

    /// <summary>MassTransit's fault headers describe the failed attempt; the replayed message starts clean.</summary>
    private static Dictionary<string, object?>? WithoutFaultHeaders(IDictionary<string, object?>? headers) =>
        headers?.Where(h => !h.Key.StartsWith("MT-Fault-", StringComparison.Ordinal) && h.Key != "MT-Reason" && !h.Key.StartsWith("MT-Host-", StringComparison.Ordinal))
            .ToDictionary(h => h.Key, h => h.Value);

    private static ErrorQueueMessage Describe(string queue, BasicGetResult got)
    {
        string? Header(string key) => got.BasicProperties.Headers?.TryGetValue(key, out var v) == true
            ? v switch { byte[] b => Encoding.UTF8.GetString(b), null => null, _ => v.ToString() }
            : null;
        var body = Encoding.UTF8.GetString(got.Body.Span);
        string? messageType = null;
        try
        {
            using var envelope = JsonDocument.Parse(body);
            if (envelope.RootElement.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0)
                messageType = types[0].GetString()?.Replace("urn:message:", "", StringComparison.Ordinal);
        }
        catch (JsonException) { }
        DateTimeOffset? failedAt = DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), out var t) ? t : null;
        return new ErrorQueueMessage(queue, got.BasicProperties.MessageId ?? "", messageType, Header("MT-Fault-ExceptionType"),
            PersonalData.Scrub(Header("MT-Fault-Message") ?? ""), failedAt, PersonalData.Scrub(body.Length > 4000 ? body[..4000] + "…" : body));
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_connection is { IsOpen: true }) return _connection;
        if (_connection is not null) await _connection.DisposeAsync();
        _connection = await new ConnectionFactory { Uri = broker.Amqp, ClientProvidedName = "operations" }.CreateConnectionAsync(ct);
        return _connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
