using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Allowance.Application;

/// <summary>
/// Whenever another set of working-day calendars comes into force (an administrator loaded a year), the due dates that
/// were provisional are counted again (<see cref="AllowanceHandlers.SetProvisionalDueDatesAsync"/>). Watches the
/// calendar's generation, which the policy reload keeps in step with the database.
/// </summary>
public sealed partial class ProvisionalDueDates(IServiceScopeFactory scopes, WorkingDayCalendar calendar, ILogger<ProvisionalDueDates> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long counted = -1;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        do
        {
            var generation = calendar.Generation;
            if (generation == counted || generation == 0) continue;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var changed = await scope.ServiceProvider.GetRequiredService<AllowanceHandlers>().SetProvisionalDueDatesAsync(stoppingToken);
                if (changed > 0) LogCounted(changed, generation);
                counted = generation;
            }
            catch (Exception e) when (e is not OperationCanceledException) { LogFailed(e); }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cases} provisional due date(s) counted again with calendar generation {Generation}")]
    private partial void LogCounted(int cases, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provisional due dates could not be counted again; retried on the next tick")]
    private partial void LogFailed(Exception e);
}
