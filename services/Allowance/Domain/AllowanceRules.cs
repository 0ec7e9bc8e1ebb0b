using MaternityCloud.Contracts.Codes;
using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Allowance.Domain;

/// <summary>One line of the days: what it is for, how many days, and which parameter gave them.</summary>
public sealed record DayLine(string Item, int Days, string Parameter);

/// <summary>The whole computation, line by line, as a fund auditor checks it.</summary>
public sealed record AllowanceComputation(
    IReadOnlyList<DayLine> DayLines,
    int WageYear,
    decimal EmployerAverageWage,
    decimal? WageFloor,
    decimal BaseWage,
    int Divisor,
    decimal DailyAmount,
    decimal Amount)
{
    public int Days => DayLines.Sum(l => l.Days);

    public IReadOnlyList<string> Explain() =>
    [
        .. DayLines.Select(l => $"{l.Item}: {l.Days} days ({l.Parameter})"),
        $"leave days: {Days}",
        $"employer's average monthly wage {WageYear}: {EmployerAverageWage:0.00}" +
            (WageFloor is { } floor ? $"; floor {floor:0.00}; base {BaseWage:0.00}" : ""),
        $"daily amount: {BaseWage:0.00} / {Divisor} = {DailyAmount:0.00}",
        $"allowance: {DailyAmount:0.00} x {Days} = {Amount:0.00}",
    ];
}

/// <summary>
/// The allowance rules (domain.md; the regions' parameters): leave days by event, the daily amount from the employer's
/// average monthly wage of the year before the event divided by the region's divisor (never below the region's floor),
/// times the days, rounded the region's way.
/// </summary>
public static class AllowanceRules
{
    /// <summary>Miscarriage bands: "before 4 months" is below 16 gestational weeks.</summary>
    public const int FourMonthsInWeeks = 16;

    public static IReadOnlyList<DayLine> LeaveDays(AllowanceParameters p, BirthEvent e)
    {
        var d = p.LeaveDays;
        var lines = new List<DayLine>();
        switch (e.Kind)
        {
            case AllowanceEventKind.Childbirth:
                lines.Add(new DayLine("childbirth", d.Childbirth, "leaveDays.childbirth"));
                if (e.Dystocia) lines.Add(new DayLine("dystocia", d.Dystocia, "leaveDays.dystocia"));
                if (e.FetusCount > 1)
                    lines.Add(new DayLine($"{e.FetusCount - 1} extra bab{(e.FetusCount > 2 ? "ies" : "y")}", d.PerExtraBaby * (e.FetusCount - 1), "leaveDays.perExtraBaby"));
                if (p.FundPaysExtendedLeave && d.Extended > 0) lines.Add(new DayLine("extended leave", d.Extended, "leaveDays.extended"));
                break;
            case AllowanceEventKind.Miscarriage:
                lines.Add(e.GestationalWeeks < FourMonthsInWeeks
                    ? new DayLine($"miscarriage at {e.GestationalWeeks} weeks (before 4 months)", d.MiscarriageBefore4Months, "leaveDays.miscarriageBefore4Months")
                    : new DayLine($"miscarriage at {e.GestationalWeeks} weeks (4 months or more)", d.MiscarriageFrom4Months, "leaveDays.miscarriageFrom4Months"));
                break;
            case AllowanceEventKind.FamilyPlanning:
                if (e.Category is { } c && d.FamilyPlanning.TryGetValue(c, out var days))
                    lines.Add(new DayLine($"family-planning surgery {c}", days, $"leaveDays.familyPlanning.{c}"));
                break;
            case AllowanceEventKind.NursingLeave:
                if (p.FundPaysNursingLeave) lines.Add(new DayLine("nursing leave", d.Nursing, "leaveDays.nursing"));
                break;
        }
        return lines;
    }

    public static AllowanceComputation Compute(AllowanceParameters p, BirthEvent e, decimal employerAverageWage, int wageYear)
    {
        var lines = LeaveDays(p, e);
        var floor = p.WageFloor?.Amount;
        var baseWage = floor is { } f && f > employerAverageWage ? f : employerAverageWage;
        var daily = p.Round(baseWage / p.Divisor);
        return new AllowanceComputation(lines, wageYear, employerAverageWage, floor, baseWage, p.Divisor, daily, p.Round(daily * lines.Sum(l => l.Days)));
    }
}
