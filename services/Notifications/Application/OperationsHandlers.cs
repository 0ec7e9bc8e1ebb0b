using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Notifications.Infrastructure;

namespace MaternityCloud.Notifications.Application;

/// <summary>The day's messages for the operators' dashboard: sent, failed, and what waits now and why (China's calendar day).</summary>
public sealed class OperationsHandlers(OperationsStore store, TimeProvider clock)
{
    public async Task<(DateOnly Date, OperationsFigures Figures)> SummaryAsync(string date, CancellationToken ct)
    {
        var v = new Validator();
        var today = Calendar.DateInChina(clock.GetUtcNow());
        var day = string.IsNullOrWhiteSpace(date) ? today : v.Date("date", date, notAfter: today);
        v.ThrowIfInvalid();
        var from = Calendar.StartInChina(day);
        return (day, await store.DayAsync(from, ct));
    }
}
