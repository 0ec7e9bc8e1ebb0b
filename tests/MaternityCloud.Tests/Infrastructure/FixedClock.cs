namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// A clock stopped at one instant, for rules that count days from "today" (time limits, due dates). A test may move it
/// (past the quiet hours, to a retry's time); it never moves by itself.
/// </summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    private long _utcTicks = now.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void MoveTo(DateTimeOffset instant) => Interlocked.Exchange(ref _utcTicks, instant.UtcTicks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}
