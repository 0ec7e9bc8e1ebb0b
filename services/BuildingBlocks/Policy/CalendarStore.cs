using System.Text.Json;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Contracts.Events;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>One loaded version of a year's calendar, as operators list them.</summary>
public sealed record CalendarVersion(long Version, CalendarYear Year, string LoadedBy, DateTimeOffset LoadedAt, bool InForce);

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
                await TryStoreAsync(tx, year, version: 0, "shipped", token); // version 0: any loaded version of the year wins
        }, ct);

    /// <summary>Puts the latest version of every year in force when a version was added (here or at another replica).</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        // The sum of this copy's row ids: rows are only added, so it grows with each one, including a row whose id is
        // lower than one another replica committed first (the highest id alone would never see it).
        long generation;
        await using (var check = dataSource.CreateCommand("SELECT coalesce(sum(version_id), 0)::bigint FROM working_day_calendar"))
            generation = (long)(await check.ExecuteScalarAsync(ct))!;
        if (generation == calendar.Generation && generation != 0) return;
        var inForce = (await ListAsync(ct)).Where(v => v.InForce).ToList();
        calendar.Replace(inForce.Select(v => v.Year), generation);
        LogLoaded(string.Join(", ", inForce.Select(v => $"{v.Year.Year} v{v.Version}")), generation);
    }

    /// <summary>Every version of every year, oldest first; the latest of each year is in force.</summary>
    public async Task<IReadOnlyList<CalendarVersion>> ListAsync(CancellationToken ct)
    {
        await using var read = dataSource.CreateCommand(
            """
            SELECT version, document::text, loaded_by, loaded_at, version = max(version) OVER (PARTITION BY year)
            FROM working_day_calendar ORDER BY year, version
            """);
        await using var reader = await read.ExecuteReaderAsync(ct);
        var versions = new List<CalendarVersion>();
        while (await reader.ReadAsync(ct))
            versions.Add(new CalendarVersion(reader.GetInt64(0), WorkingDayCalendar.Parse(reader.GetString(1)), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4)));
        return versions;
    }

    /// <summary>
    /// An operator loads a year (a new one, or a correction of a loaded one, or back to an earlier document): it is the
    /// next version of the year, in force from now on, published so every service counts with it. Due dates already set
    /// keep the version they were counted with. The document the version in force already holds returns that version.
    /// </summary>
    public async Task<CalendarVersion> LoadAsync(string json, string loadedBy, CancellationToken ct)
    {
        var year = WorkingDayCalendar.Parse(json);
        await database.InTransactionAsync(async (tx, token) =>
        {
            await tx.LockAsync("calendar:" + year.Year, token); // one load of a year at a time: versions stay in order
            await using (var inForce = tx.Command(
                "SELECT document = $2::jsonb FROM working_day_calendar WHERE year = $1 ORDER BY version DESC LIMIT 1", year.Year, Document(year)))
            {
                if (await inForce.ExecuteScalarAsync(token) is true) return; // the version in force already says this
            }
            await using var insert = tx.Command(
                """
                INSERT INTO working_day_calendar (year, version, document, loaded_by)
                VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM working_day_calendar WHERE year = $1), $2::jsonb, $3)
                RETURNING version
                """, year.Year, Document(year), loadedBy);
            var version = (long)(await insert.ExecuteScalarAsync(token))!;
            tx.Publish(new WorkingDayCalendarLoaded(Guid.CreateVersion7(), clock.GetUtcNow(), year.Year, Document(year), loadedBy, version));
        }, ct);
        await RefreshAsync(ct);
        return (await ListAsync(ct)).Single(v => v.Year.Year == year.Year && v.InForce);
    }

    /// <summary>Stores a version loaded elsewhere; the calendar picks it up on its next refresh.</summary>
    internal static async Task StoreReplicaAsync(OutboxTransaction tx, WorkingDayCalendarLoaded loaded, CancellationToken ct) =>
        await TryStoreAsync(tx, WorkingDayCalendar.Parse(loaded.Document), loaded.Version, loaded.LoadedBy, ct);

    private static async Task TryStoreAsync(OutboxTransaction tx, CalendarYear year, long version, string loadedBy, CancellationToken ct)
    {
        await using var insert = tx.Command(
            "INSERT INTO working_day_calendar (year, version, document, loaded_by) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (year, version) DO NOTHING",
            year.Year, version, Document(year), loadedBy);
        await insert.ExecuteNonQueryAsync(ct);
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
