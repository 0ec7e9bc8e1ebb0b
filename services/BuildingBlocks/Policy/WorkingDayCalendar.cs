using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// Working days (工作日) as the State Council's holiday schedule sets them each year: weekends are rest days, except
/// adjusted working days (调休上班), and public holidays are rest days. Each year is data an operator loads (versioned,
/// <see cref="CalendarStore"/>; the published years ship as Calendars/yyyy.json). A count that runs through a year with no
/// calendar loaded is counted Monday to Friday and marked provisional, so callers flag it instead of trusting it.
/// </summary>
public sealed class WorkingDayCalendar
{
    private sealed record Years(FrozenSet<int> Loaded, FrozenSet<DateOnly> Holidays, FrozenSet<DateOnly> AdjustedWorkingDays, long Generation);

    private volatile Years _years;

    public WorkingDayCalendar(IEnumerable<CalendarYear> years, long generation = 0) => _years = Of(years, generation);

    /// <summary>The calendars shipped with the platform.</summary>
    public static WorkingDayCalendar Shipped => new(LoadShipped());

    public IReadOnlyCollection<int> LoadedYears => _years.Loaded;

    /// <summary>Changes whenever another set of years is in force (the store's highest version id).</summary>
    public long Generation => _years.Generation;

    /// <summary>Puts another set of years in force at once (the latest version of each loaded year).</summary>
    public void Replace(IEnumerable<CalendarYear> years, long generation) => _years = Of(years, generation);

    private static Years Of(IEnumerable<CalendarYear> years, long generation)
    {
        var all = years.ToList();
        return new Years(all.Select(y => y.Year).ToFrozenSet(), all.SelectMany(y => y.Holidays).ToFrozenSet(),
            all.SelectMany(y => y.AdjustedWorkingDays).ToFrozenSet(), generation);
    }

    public bool IsWorkingDay(DateOnly date) => IsWorkingDay(_years, date);

    private static bool IsWorkingDay(Years years, DateOnly date) =>
        years.AdjustedWorkingDays.Contains(date) ||
        (!years.Holidays.Contains(date) && date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));

    /// <summary>
    /// The day on which <paramref name="workingDays"/> working days after <paramref name="start"/> have passed (the start
    /// day itself does not count). Provisional, naming the missing year, when a year on the way is not loaded.
    /// </summary>
    public WorkingDayDeadline AddWorkingDays(DateOnly start, int workingDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workingDays);
        var years = _years; // one snapshot for the whole count
        var day = start;
        int? missing = years.Loaded.Contains(start.Year) ? null : start.Year;
        for (var counted = 0; counted < workingDays;)
        {
            day = day.AddDays(1);
            if (missing is null && !years.Loaded.Contains(day.Year)) missing = day.Year;
            if (IsWorkingDay(years, day)) counted++;
        }
        return new WorkingDayDeadline(day, missing is not null) { MissingYear = missing };
    }

    /// <summary>Working days from <paramref name="from"/> (exclusive) to <paramref name="to"/> (inclusive); negative when to is earlier.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from) return -WorkingDaysBetween(to, from);
        var years = _years;
        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1))
            if (IsWorkingDay(years, day)) count++;
        return count;
    }

    /// <summary>
    /// A year's calendar document (the format of Calendars/yyyy.json): every bad field is named, nothing is guessed. An
    /// adjusted working day must be a weekend day, and no day may be both a holiday and a working day.
    /// </summary>
    public static CalendarYear Parse(string json)
    {
        var v = new Validator();
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ValidationFailedException([new FieldViolation("document", "is not JSON: " + e.Message)]); }
        using (document)
        {
            var root = document.RootElement;
            var year = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("year", out var y) && y.ValueKind == JsonValueKind.Number
                && y.TryGetInt32(out var n) && n is >= 2000 and <= 2100 ? n : 0;
            if (year == 0) v.Add("year", "must be a year from 2000 to 2100");
            List<DateOnly> Dates(string name)
            {
                var dates = new List<DateOnly>();
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    v.Add(name, "must be a list of dates (yyyy-MM-dd)");
                    return dates;
                }
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(item.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture,
                            DateTimeStyles.None, out var date))
                    {
                        if (year != 0 && date.Year != year) v.Add(name, $"{date:yyyy-MM-dd} is not in {year}");
                        dates.Add(date);
                    }
                    else v.Add(name, $"'{item}' is not a date in the form yyyy-MM-dd");
                }
                return dates;
            }
            var holidays = Dates("holidays");
            var adjusted = Dates("adjustedWorkingDays");
            if (holidays.Count == 0 && !v.HasErrorFor("holidays")) v.Add("holidays", "lists no holiday: every year has public holidays");
            foreach (var day in adjusted.Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)))
                v.Add("adjustedWorkingDays", $"{day:yyyy-MM-dd} is a {day.DayOfWeek}: an adjusted working day (调休上班) is a weekend day");
            foreach (var day in adjusted.Intersect(holidays))
                v.Add("adjustedWorkingDays", $"{day:yyyy-MM-dd} is listed as a holiday too");
            v.ThrowIfInvalid();
            return new CalendarYear(year, holidays.Distinct().Order().ToList(), adjusted.Distinct().Order().ToList());
        }
    }

    internal static IEnumerable<(string Json, CalendarYear Year)> ShippedDocuments()
    {
        var assembly = typeof(WorkingDayCalendar).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Calendars.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var json = reader.ReadToEnd();
            yield return (json, Parse(json));
        }
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

/// <summary>
/// A due date; provisional when it was counted through a year whose holiday schedule is not loaded (the first such year
/// is <see cref="MissingYear"/>): counted Monday to Friday there, to be flagged, never trusted.
/// </summary>
public sealed record WorkingDayDeadline(DateOnly Date, bool Provisional)
{
    public int? MissingYear { get; init; }
}
