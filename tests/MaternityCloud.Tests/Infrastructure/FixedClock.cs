namespace MaternityCloud.Tests.Infrastructure;

/// <summary>A clock stopped at one instant, for rules that count days from "today" (time limits, due dates).</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
