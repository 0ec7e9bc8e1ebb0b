namespace MaternityCloud.Notifications.Application;

public sealed class NotificationOptions
{
    /// <summary>The region whose parameters (quiet hours, hotline) apply when an event names none.</summary>
    public string DefaultRegion { get; set; } = "000000";
    /// <summary>How often the dispatcher looks for due messages when nothing wakes it.</summary>
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int DispatchBatchSize { get; set; } = 200;
    /// <summary>Messages in flight to the gateways at once.</summary>
    public int GatewayConcurrency { get; set; } = 16;
    /// <summary>How long a claimed message is the claimer's; after that another replica may take it over.</summary>
    public TimeSpan SendingLease { get; set; } = TimeSpan.FromMinutes(2);
    public int MaxAttempts { get; set; } = 6;
    public TimeSpan FirstRetryInterval { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromMinutes(30);
}
