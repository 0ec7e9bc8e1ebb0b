using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Claims.Infrastructure;

namespace MaternityCloud.Claims.Application;

public sealed record OperationsFigures(DateOnly Date, DayFigures Figures, int DirectSettlements, decimal? DirectSettlementRate, DateOnly Today);

/// <summary>
/// The figures the fund centre watches (domain.md: direct-settlement rate, on-time completion), for the operators'
/// dashboard. The day is China's calendar day, whatever the server's time zone.
/// </summary>
public sealed class OperationsHandlers(OperationsStore store, TimeProvider clock)
{
    public async Task<OperationsFigures> SummaryAsync(string date, int nearDueDays, CancellationToken ct)
    {
        var v = new Validator();
        var today = Calendar.DateInChina(clock.GetUtcNow());
        var day = string.IsNullOrWhiteSpace(date) ? today : v.Date("date", date, notAfter: today);
        v.Check(nearDueDays is >= 0 and <= 60, "near_due_days", "must be from 0 to 60 (0 means 3)");
        v.ThrowIfInvalid();

        var from = Calendar.StartInChina(day);
        var figures = await store.DayAsync(from, day, today, today.AddDays(nearDueDays == 0 ? 3 : nearDueDays), ct);
        var direct = figures.ByMedicalType.Sum(t => t.Count);
        var filed = figures.ManualCasesFiled;
        decimal? rate = direct + filed == 0 ? null : Math.Round((decimal)direct / (direct + filed), 4);
        return new OperationsFigures(day, figures, direct, rate, today);
    }
}
