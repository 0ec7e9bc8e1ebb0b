using MaternityCloud.Contracts.Codes;
namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// The maternity allowance (生育津贴) a region pays (domain.md "Allowance rules"; seeds 003 Daye and 000 Fujian): the
/// leave days per event, which of them the fund pays, the daily amount's divisor and floor, rounding, and the time
/// limit for paying an approved case in working days.
/// </summary>
public sealed record AllowanceParameters(
    int Divisor,
    LeaveDays LeaveDays,
    bool FundPaysExtendedLeave,
    bool FundPaysNursingLeave,
    WageFloor? WageFloor,
    RoundingMode RoundingMode,
    int PaymentDueWorkingDays)
{
    public decimal Round(decimal amount) => RoundingMode.Round(amount);
}

/// <summary>Leave days by event (national baseline 98 / +15 dystocia / +15 per extra baby / 15 or 42 for a miscarriage).</summary>
public sealed record LeaveDays(
    int Childbirth,
    int Dystocia,
    int PerExtraBaby,
    int MiscarriageBefore4Months,
    int MiscarriageFrom4Months,
    int Extended,
    int Nursing,
    IReadOnlyDictionary<BenefitCategory, int> FamilyPlanning);

/// <summary>Some regions floor the employer's average wage at a share of the city's average (e.g. 60 %).</summary>
public sealed record WageFloor(decimal CityAverageMonthlyWage, decimal Share)
{
    public decimal Amount => decimal.Round(CityAverageMonthlyWage * Share, 2, MidpointRounding.AwayFromZero);
}
