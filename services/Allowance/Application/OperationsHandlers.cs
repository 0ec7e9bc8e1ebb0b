using MaternityCloud.Allowance.Infrastructure;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Allowance.Application;

public sealed record DaysToPay(int Cases, decimal? Average, int Median, int Max);

/// <summary>
/// The allowance figures the fund centre watches (domain.md: days-to-pay): cases by state, those waiting for an
/// operator, and how many calendar days passed from the case being opened to its payment.
/// </summary>
public sealed class OperationsHandlers(OperationsStore store, TimeProvider clock)
{
    public async Task<(OperationsFigures Figures, DaysToPay DaysToPay, DateOnly Today)> SummaryAsync(int windowDays, CancellationToken ct)
    {
        new Validator().Check(windowDays is >= 0 and <= 366, "window_days", "must be from 0 to 366 (0 means 30)").ThrowIfInvalid();
        var now = clock.GetUtcNow();
        var today = Calendar.DateInChina(now);
        var figures = await store.ReadAsync(today, now.AddDays(-(windowDays == 0 ? 30 : windowDays)), ct);
        var days = figures.DaysToPay.Order().ToList();
        var daysToPay = days.Count == 0
            ? new DaysToPay(0, null, 0, 0)
            : new DaysToPay(days.Count, Math.Round((decimal)days.Average(), 1), days[(days.Count - 1) / 2], days[^1]);
        return (figures, daysToPay, today);
    }
}
