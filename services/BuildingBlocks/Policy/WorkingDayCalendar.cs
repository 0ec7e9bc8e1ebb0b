using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// Working days (工作日) as the State Council's holiday schedule sets them each year: weekends are rest days, except
/// adjusted working days (调休上班), and public holidays are rest days. Years ship as data files (Calendars/yyyy.json);
/// a year that has not been published yet counts Monday to Friday and says so, so a time limit is never refused.
/// </summary>
public sealed class WorkingDayCalendar
{
    private readonly FrozenSet<DateOnly> _holidays;
    private readonly FrozenSet<DateOnly> _adjustedWorkingDays;
    private readonly FrozenSet<int> _years;

    public WorkingDayCalendar(IEnumerable<CalendarYear> years)
    {
        var all = years.ToList();
        _years = all.Select(y => y.Year).ToFrozenSet();
        _holidays = all.SelectMany(y => y.Holidays).ToFrozenSet();
        _adjustedWorkingDays = all.SelectMany(y => y.AdjustedWorkingDays).ToFrozenSet();
    }

    /// <summary>The calendars shipped with the platform.</summary>
    public static WorkingDayCalendar Shipped { get; } = new(LoadShipped());

    public IReadOnlyCollection<int> Years => _years;

    public bool IsWorkingDay(DateOnly date) =>
        _adjustedWorkingDays.Contains(date) ||
        (!_holidays.Contains(date) && date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));

    /// <summary>
    /// The day on which <paramref name="workingDays"/> working days after <paramref name="start"/> have passed (the start
    /// day itself does not count). Provisional when a year on the way is not in the calendar.
    /// </summary>
    public WorkingDayDeadline AddWorkingDays(DateOnly start, int workingDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workingDays);
        var day = start;
        var provisional = !_years.Contains(start.Year);
        for (var counted = 0; counted < workingDays;)
        {
            day = day.AddDays(1);
            provisional |= !_years.Contains(day.Year);
            if (IsWorkingDay(day)) counted++;
        }
        return new WorkingDayDeadline(day, provisional);
    }

    /// <summary>Working days from <paramref name="from"/> (exclusive) to <paramref name="to"/> (inclusive); negative when to is earlier.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from) return -WorkingDaysBetween(to, from);
        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1))
            if (IsWorkingDay(day)) count++;
        return count;
    }

    public static CalendarYear Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        static IEnumerable<DateOnly> Dates(JsonElement e, string name) =>
            e.GetProperty(name).EnumerateArray().Select(d => DateOnly.ParseExact(d.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture));
        var year = new CalendarYear(root.GetProperty("year").GetInt32(), Dates(root, "holidays").ToList(), Dates(root, "adjustedWorkingDays").ToList());
        if (year.Holidays.Concat(year.AdjustedWorkingDays).Any(d => d.Year != year.Year))
            throw new FormatException($"calendar {year.Year} lists a date of another year");
        return year;
    }

    private static IEnumerable<CalendarYear> LoadShipped()
    {
        var assembly = typeof(WorkingDayCalendar).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Calendars.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return Parse(reader.ReadToEnd());
        }
    }
}

public sealed record CalendarYear(int Year, IReadOnlyList<DateOnly> Holidays, IReadOnlyList<DateOnly> AdjustedWorkingDays);

/// <summary>A due date; provisional when it was counted through a year whose holiday schedule is not loaded.</summary>
public sealed record WorkingDayDeadline(DateOnly Date, bool Provisional);
