namespace MaternityCloud.BuildingBlocks.Domain;

public static class Calendar
{
    /// <summary>Today in the pooling region's local time: the day "not in the future" and "effective from" mean.</summary>
    public static DateOnly GetLocalToday(this TimeProvider clock) => DateOnly.FromDateTime(clock.GetLocalNow().DateTime);

    /// <summary>China has one time zone and no daylight saving: every region's local time is UTC+8.</summary>
    public static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    /// <summary>The calendar date in China of an instant, whatever the machine's time zone.</summary>
    public static DateOnly DateInChina(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(ChinaStandardTime).DateTime);

    /// <summary>The instant a day starts in China, in UTC (the form PostgreSQL's timestamptz parameters take).</summary>
    public static DateTimeOffset StartInChina(DateOnly day) =>
        new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), ChinaStandardTime).ToUniversalTime();
}
