namespace MaternityCloud.BuildingBlocks.Persistence;

public static class DatabaseClock
{
    /// <summary>
    /// Now, cut to PostgreSQL's timestamp precision (microseconds), so a time handed back when a row is written equals
    /// the one read back from it later.
    /// </summary>
    public static DateTimeOffset GetUtcNowForDatabase(this TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
