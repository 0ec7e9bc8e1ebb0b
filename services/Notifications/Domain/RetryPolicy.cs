namespace MaternityCloud.Notifications.Domain;

/// <summary>
/// How long a message waits after a gateway failure: the first interval, doubled each attempt, up to the maximum;
/// after <see cref="MaxAttempts"/> attempts it is marked failed for an operator to see and resend.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan FirstInterval, TimeSpan MaxInterval)
{
    public static readonly RetryPolicy Default = new(6, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(30));

    /// <summary>When to try again after <paramref name="attempts"/> failed attempts, or null to give up.</summary>
    public TimeSpan? After(int attempts)
    {
        if (attempts >= MaxAttempts) return null;
        var doubled = FirstInterval.Ticks * Math.Pow(2, Math.Max(0, attempts - 1));
        return TimeSpan.FromTicks((long)Math.Min(doubled, MaxInterval.Ticks));
    }
}
