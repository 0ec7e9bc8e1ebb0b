namespace MaternityCloud.Notifications.Domain;

/// <summary>
/// Where a message is. Queued covers new, deferred (quiet hours, rate limit) and waiting to retry; the reason is kept
/// beside it. Delivered and Undelivered come from the gateway's receipt; Failed means the platform gave up sending.
/// </summary>
public enum MessageState
{
    Queued = 1,
    Sending = 2,
    Sent = 3,
    Delivered = 4,
    Undelivered = 5,
    Failed = 6,
    /// <summary>Not sent: the person opted out.</summary>
    Suppressed = 7,
    /// <summary>Not sent: no phone number and no bound official account.</summary>
    Unreachable = 8,
    /// <summary>Not sent: what it announced was undone before it went out (a reversed settlement).</summary>
    Cancelled = 9,
}

public static class MessageStates
{
    /// <summary>The gateway took it: the person may have read it.</summary>
    public static bool ReachedGateway(this MessageState state) => state is MessageState.Sent or MessageState.Delivered or MessageState.Undelivered;

    /// <summary>Nothing more happens to it unless an operator resends it.</summary>
    public static bool IsFinal(this MessageState state) => state is not (MessageState.Queued or MessageState.Sending);
}

/// <summary>Why a queued message waits.</summary>
public static class DeferralReasons
{
    public const string QuietHours = "quiet-hours";
    public const string RateLimit = "rate-limit";
    public const string Retry = "retry";
    /// <summary>
    /// The dispatch pass that claimed it had used half its lease before the message's turn came: it goes back to the
    /// queue unsent rather than being sent so late that another replica, seeing the lease over, could send it again.
    /// </summary>
    public const string LeaseEnding = "lease-ending";
}
