using System.Diagnostics;
using System.Diagnostics.Metrics;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Notifications.Domain;
using MaternityCloud.Notifications.Infrastructure;
using Microsoft.Extensions.Options;

namespace MaternityCloud.Notifications.Application;

/// <summary>
/// Hands due messages to the gateways: claims a batch (several replicas claim disjoint ones), holds back those in
/// their region's quiet hours or over their phone's rate limit, sends the rest a few at a time, and records every
/// answer. A failed send waits and is tried again with a doubling interval, then is marked failed for an operator.
/// </summary>
public sealed partial class MessageDispatcher(
    MessageStore store,
    IEnumerable<IMessageGateway> gateways,
    PhoneRateLimiter rateLimiter,
    NoticePlanner planner,
    DispatchSignal signal,
    IOptions<NotificationOptions> options,
    TimeProvider clock,
    ILogger<MessageDispatcher> logger) : BackgroundService
{
    public static readonly Meter Meter = new("MaternityCloud.Notifications");
    private static readonly ActivitySource Tracing = new("MaternityCloud.Notifications");
    private static readonly Counter<long> Dispatched = Meter.CreateCounter<long>("notifications.messages.dispatched", description: "Messages by what happened when their turn came");
    private static readonly Histogram<double> GatewayTime = Meter.CreateHistogram<double>("notifications.gateway.duration", "s", "Time a gateway took to answer");

    private readonly Dictionary<Channel, IMessageGateway> _gateways = gateways.ToDictionary(g => g.Channel);
    private readonly RetryPolicy _retry = new(options.Value.MaxAttempts, options.Value.FirstRetryInterval, options.Value.MaxRetryInterval);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try { claimed = await DispatchDueAsync(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { LogPassFailed(e); }
            if (claimed < options.Value.DispatchBatchSize)
                await signal.WaitAsync(options.Value.DispatchInterval, stoppingToken);
        }
    }

    /// <summary>One pass: returns how many messages it claimed.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await store.ClaimDueAsync(now, now + options.Value.SendingLease, options.Value.DispatchBatchSize, ct);
        if (due.Count == 0) return 0;
        // Outcomes are recorded when the whole pass ends, and once the lease is over another replica may claim the same
        // messages: none is handed to a gateway after half the lease, which leaves the other half for the sends under way.
        var sendBy = now + options.Value.SendingLease / 2;
        var outcomes = new DispatchOutcome[due.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, due.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.GatewayConcurrency, CancellationToken = ct },
            async (i, token) => outcomes[i] = await DispatchAsync(due[i], sendBy, token));
        await store.RecordAsync(outcomes, ct);
        return due.Count;
    }

    private async Task<DispatchOutcome> DispatchAsync(Message message, DateTimeOffset sendBy, CancellationToken ct)
    {
        using var activity = StoredTrace.Continue(Tracing, $"send {message.Kind} by {message.Channel}", message.TraceParent);
        activity?.SetTag("maternitycloud.message.id", message.MessageId.ToString());
        var outcome = await DispatchInTraceAsync(message, sendBy, ct);
        activity?.SetTag("maternitycloud.message.outcome", outcome.GetType().Name);
        if (outcome is DispatchOutcome.GaveUp gaveUp) activity?.SetStatus(ActivityStatusCode.Error, gaveUp.Error);
        return outcome;
    }

    private async Task<DispatchOutcome> DispatchInTraceAsync(Message message, DateTimeOffset sendBy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now > sendBy)
            return Count(new DispatchOutcome.Deferred(message.MessageId, now, DeferralReasons.LeaseEnding), message);
        if (planner.Schedule(message.Region, now) is (var allowed, { } because))
            return Count(new DispatchOutcome.Deferred(message.MessageId, allowed, because), message);
        if (message.Channel == Channel.Sms && await rateLimiter.WaitBeforeSendingAsync(message.Address!, ct) is { } wait)
            return Count(new DispatchOutcome.Deferred(message.MessageId, now + wait, DeferralReasons.RateLimit), message);

        var attempt = message.Attempts + 1;
        var started = Stopwatch.GetTimestamp();
        var answer = await _gateways[message.Channel].SendAsync(message, ct);
        GatewayTime.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("channel", message.Channel.ToString()));
        var at = clock.GetUtcNow();
        DispatchOutcome outcome = answer switch
        {
            GatewayAnswer.Accepted a => new DispatchOutcome.Accepted(message.MessageId, attempt, a.GatewayMessageId, at),
            GatewayAnswer.Transient t when _retry.After(attempt) is { } delay => new DispatchOutcome.RetryLater(message.MessageId, attempt, at + delay, t.Error, at),
            GatewayAnswer.Transient t => new DispatchOutcome.GaveUp(message.MessageId, attempt, $"gave up after {attempt} attempts: {t.Error}", at),
            GatewayAnswer.Permanent p => new DispatchOutcome.GaveUp(message.MessageId, attempt, p.Error, at),
            _ => throw new UnreachableException(),
        };
        if (outcome is DispatchOutcome.RetryLater or DispatchOutcome.GaveUp)
        {
            LogGatewayFailed(message.MessageId, message.Channel, attempt, outcome);
            if (message.Channel == Channel.Sms) await rateLimiter.ReleaseAsync(message.Address!);
        }
        return Count(outcome, message);
    }

    private static DispatchOutcome Count(DispatchOutcome outcome, Message message)
    {
        var what = outcome switch
        {
            DispatchOutcome.Accepted => "sent",
            DispatchOutcome.Deferred d => d.Because,
            DispatchOutcome.RetryLater => "retry",
            _ => "failed",
        };
        Dispatched.Add(1, new KeyValuePair<string, object?>("channel", message.Channel.ToString()), new KeyValuePair<string, object?>("outcome", what));
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching messages failed; the claimed ones are taken up again when their lease ends")]
    private partial void LogPassFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ({Channel}) attempt {Attempt} failed: {Outcome}")]
    private partial void LogGatewayFailed(Guid messageId, Channel channel, int attempt, DispatchOutcome outcome);
}
