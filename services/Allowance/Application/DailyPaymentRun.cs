using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Allowance.Application;

/// <summary>
/// Runs the day's payment batch at <c>Allowance:DailyBatchAt</c> (local time, e.g. "16:00"); off when not set, as in
/// tests. A day with nothing approved makes no batch. Every replica keeps the schedule and the first to claim the day
/// makes its batch (<see cref="PaymentHandlers.RunDailyBatchAsync"/>), so a replica that is down at the hour costs nothing.
/// An operator can still run a batch at any time.
/// </summary>
public sealed partial class DailyPaymentRun(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider clock, ILogger<DailyPaymentRun> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!TimeOnly.TryParse(configuration["Allowance:DailyBatchAt"], System.Globalization.CultureInfo.InvariantCulture, out var at)) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetLocalNow();
            var next = new DateTimeOffset(DateOnly.FromDateTime(now.DateTime).ToDateTime(at), now.Offset);
            if (next <= now) next = next.AddDays(1);
            await Task.Delay(next - now, clock, stoppingToken);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var batch = await scope.ServiceProvider.GetRequiredService<PaymentHandlers>()
                    .RunDailyBatchAsync(DateOnly.FromDateTime(next.DateTime), stoppingToken);
                if (batch is null) LogTaken(DateOnly.FromDateTime(next.DateTime));
                else LogBatch(batch.BatchId, batch.CaseCount, batch.TotalAmount);
            }
            catch (RuleViolationException) { } // nothing to pay today
            catch (Exception e) when (e is not OperationCanceledException) { LogFailed(e); }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Daily payment batch {BatchId}: {Cases} cases, {Total} yuan")]
    private partial void LogBatch(Guid batchId, int cases, decimal total);

    [LoggerMessage(Level = LogLevel.Information, Message = "The daily payment batch of {Day} was made by another replica")]
    private partial void LogTaken(DateOnly day);

    [LoggerMessage(Level = LogLevel.Error, Message = "The daily payment batch failed; operators can run it by hand")]
    private partial void LogFailed(Exception e);
}
