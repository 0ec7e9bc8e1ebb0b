namespace MaternityCloud.BuildingBlocks.Domain;

public static class Calendar
{
    /// <summary>Today in the pooling region's local time: the day "not in the future" and "effective from" mean.</summary>
    public static DateOnly GetLocalToday(this TimeProvider clock) => DateOnly.FromDateTime(clock.GetLocalNow().DateTime);
}
