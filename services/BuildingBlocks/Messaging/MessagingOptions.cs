namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>Bound from the "Messaging" configuration section.</summary>
public sealed class MessagingOptions
{
    public int OutboxBatchSize { get; set; } = 100;
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan OutboxMinBackoff { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan OutboxMaxBackoff { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan SentOutboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Longer than any redelivery can take, so a late duplicate still finds its inbox row.</summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Immediate redeliveries of a failing message before it goes to its queue's <c>_error</c> queue.</summary>
    public int RetryLimit { get; set; } = 5;
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Messages each consumer works on at once (the broker's prefetch). MassTransit's default is twice the cores, at
    /// most 16: 4 on a two-core machine, where a handler spends most of its time waiting on another service or the
    /// database, so events queued behind four waiting handlers while the cores were idle.
    /// </summary>
    public int ConsumerConcurrency { get; set; } = 32;

    /// <summary>
    /// Declares the consumers' queues and their _error queues as RabbitMQ quorum queues, replicated over a cluster's
    /// nodes (a deployment sets it). Off by default: a broker that already holds classic queues of the same names refuses
    /// to declare them again with another type, so a local platform's existing state would stop the services.
    /// </summary>
    public bool QuorumQueues { get; set; }
}
