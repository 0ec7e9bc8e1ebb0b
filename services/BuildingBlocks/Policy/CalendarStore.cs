using System.Text.Json;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Contracts.Events;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>One loaded version of a year's calendar, as operators list them.</summary>
public sealed record CalendarVersion(long VersionId, CalendarYear Year, string LoadedBy, DateTimeOffset LoadedAt, bool InForce);

/// <summary>
/// The working-day calendars in the service's database (table working_day_calendar), versioned like region parameters,
/// and the <see cref="WorkingDayCalendar"/> kept in step with them: the latest version of each year is in force.
/// </summary>
public sealed partial class CalendarStore(
    NpgsqlDataSource dataSource, ServiceDatabase database, WorkingDayCalendar calendar, TimeProvider clock, ILogger<CalendarStore> logger)
{
    /// <summary>Adds the shipped years the database does not hold yet (a year an operator loaded keeps its own version).</summary>
    public Task SeedShippedYearsAsync(CancellationToken ct) =>
        database.InTransactionAsync(async (tx, token) =>
        {
            foreach (var (_, year) in WorkingDayCalendar.ShippedDocuments())
            {
                await using var known = tx.Command("SELECT EXISTS (SELECT 1 FROM working_day_calendar WHERE year = $1)", year.Year);
                if (!(bool)(await known.ExecuteScalarAsync(token))!) await TryStoreAsync(tx, year, "shipped", token);
            }
        }, ct);

    /// <summary>Puts the latest version of every year in force when a version was added (here or at another replica).</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        await using (var check = dataSource.CreateCommand("SELECT coalesce(max(version_id), 0) FROM working_day_calendar"))
        {
            if ((long)(await check.ExecuteScalarAsync(ct))! == calendar.Generation && calendar.Generation != 0) return;
        }
        var versions = await ListAsync(ct);
        var inForce = versions.Where(v => v.InForce).ToList();
        calendar.Replace(inForce.Select(v => v.Year), versions.Count == 0 ? 0 : versions.Max(v => v.VersionId));
        LogLoaded(string.Join(", ", inForce.Select(v => v.Year.Year).Order()), calendar.Generation);
    }

    /// <summary>Every version of every year, oldest first; the latest of each year is in force.</summary>
    public async Task<IReadOnlyList<CalendarVersion>> ListAsync(CancellationToken ct)
    {
        await using var read = dataSource.CreateCommand(
            """
            SELECT version_id, document::text, loaded_by, loaded_at, version_id = max(version_id) OVER (PARTITION BY year)
            FROM working_day_calendar ORDER BY year, version_id
            """);
        await using var reader = await read.ExecuteReaderAsync(ct);
        var versions = new List<CalendarVersion>();
        while (await reader.ReadAsync(ct))
            versions.Add(new CalendarVersion(reader.GetInt64(0), WorkingDayCalendar.Parse(reader.GetString(1)), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4)));
        return versions;
    }

    /// <summary>
    /// An operator loads a year (a new one, or a correction of a loaded one): it is a new version in force from now on,
    /// published so every service counts with it. Due dates already set keep the version they were counted with. The
    /// same document again returns the stored version.
    /// </summary>
    public async Task<CalendarVersion> LoadAsync(string json, string loadedBy, CancellationToken ct)
    {
        var year = WorkingDayCalendar.Parse(json);
        await database.InTransactionAsync(async (tx, token) =>
        {
            if (await TryStoreAsync(tx, year, loadedBy, token))
                tx.Publish(new WorkingDayCalendarLoaded(Guid.CreateVersion7(), clock.GetUtcNow(), year.Year, Document(year), loadedBy));
        }, ct);
        await RefreshAsync(ct);
        return (await ListAsync(ct)).Last(v => v.Year.Year == year.Year && Document(v.Year) == Document(year));
    }

    /// <summary>Stores a version loaded elsewhere; the calendar picks it up on its next refresh.</summary>
    internal static async Task StoreReplicaAsync(OutboxTransaction tx, WorkingDayCalendarLoaded loaded, CancellationToken ct) =>
        await TryStoreAsync(tx, WorkingDayCalendar.Parse(loaded.Document), loaded.LoadedBy, ct);

    private static async Task<bool> TryStoreAsync(OutboxTransaction tx, CalendarYear year, string loadedBy, CancellationToken ct)
    {
        await using var insert = tx.Command(
            "INSERT INTO working_day_calendar (year, document, loaded_by) VALUES ($1, $2::jsonb, $3) ON CONFLICT DO NOTHING",
            year.Year, Document(year), loadedBy);
        return await insert.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The normalised document: the same year's dates always serialise alike, so a repeat is recognised.</summary>
    private static string Document(CalendarYear year) => JsonSerializer.Serialize(new
    {
        year = year.Year,
        holidays = year.Holidays.Select(d => d.ToString("yyyy-MM-dd")),
        adjustedWorkingDays = year.AdjustedWorkingDays.Select(d => d.ToString("yyyy-MM-dd")),
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "Working-day calendars in force: {Years} (generation {Generation})")]
    private partial void LogLoaded(string years, long generation);
}

/// <summary>A calendar version an operator loaded at Enrollment arrives: this service stores it too.</summary>
public sealed class WorkingDayCalendarReplica : IIntegrationEventHandler<WorkingDayCalendarLoaded>
{
    public Task HandleAsync(WorkingDayCalendarLoaded e, OutboxTransaction tx, CancellationToken ct) => CalendarStore.StoreReplicaAsync(tx, e, ct);
}
