using MaternityCloud.Allowance.Domain;
using MaternityCloud.Contracts.Codes;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Tests.Infrastructure;
using static MaternityCloud.Tests.Infrastructure.ShippedPolicies;

namespace MaternityCloud.Tests.Unit;

/// <summary>The allowance's days and amounts with the region files as they ship.</summary>
public sealed class AllowanceRulesTests
{
    private static readonly DateOnly Born = new(2026, 6, 10);

    /// <summary>The allowance event of a settled visit, from the national codes as Claims classifies them.</summary>
    private static BirthEvent Settled(string medicalType, string? matn, string? birctrl = null, int fetuses = 1, int weeks = 39, bool dystocia = false)
    {
        var pregnancy = matn is not null || birctrl is "3" or "4";
        return BirthEvent.FromVisit(TestData.Visit(medicalType, matn, birctrl, pregnancy ? fetuses : 0, pregnancy ? weeks : 0, dystocia), Born)!;
    }

    private static int Days(RegionPolicy policy, BirthEvent e) => AllowanceRules.LeaveDays(policy.Allowance, e).Sum(l => l.Days);

    [Theory]
    [InlineData("52", "1", 1, false, 98)]    // normal delivery
    [InlineData("52", "3", 1, true, 113)]    // caesarean with dystocia
    [InlineData("52", "4", 1, false, 113)]   // matn_type 4 is a dystocia
    [InlineData("52", "1", 2, false, 113)]   // twins
    [InlineData("52", "4", 2, true, 128)]    // twins with dystocia
    [InlineData("52", "2", 3, false, 128)]   // triplets
    public void Childbirth_days_add_dystocia_and_each_extra_baby(string medicalType, string matn, int fetuses, bool dystocia, int days) =>
        Assert.Equal(days, Days(Load(Wenzhou), Settled(medicalType, matn, fetuses: fetuses, dystocia: dystocia)));

    [Theory]
    [InlineData("52", "5", null, 10, 15)]
    [InlineData("52", "5", null, 15, 15)]
    [InlineData("52", "6", null, 16, 42)]    // 4 months
    [InlineData("51", "5", null, 8, 15)]     // an outpatient miscarriage
    [InlineData("5302", null, "3", 12, 15)]  // an induced abortion counts by its weeks
    [InlineData("5302", null, "4", 20, 42)]
    public void Miscarriage_days_follow_the_four_month_bands(string medicalType, string? matn, string? birctrl, int weeks, int days) =>
        Assert.Equal(days, Days(Load(Wenzhou), Settled(medicalType, matn, birctrl, weeks: weeks)));

    [Theory]
    [InlineData("1", 2)]
    [InlineData("2", 1)]
    [InlineData("5", 21)]
    [InlineData("7", 7)]
    [InlineData("6", 0)]   // a reversal of sterilisation: the region names no days
    public void Family_planning_surgeries_get_the_region_s_days(string birctrl, int days) =>
        Assert.Equal(days, Days(Load(Daye), Settled("5301", null, birctrl)));

    [Fact]
    public void Extended_and_nursing_leave_count_only_where_the_fund_pays_them()
    {
        var wenzhou = Load(Wenzhou);
        var paying = Load(Wenzhou, d => d.Replace("\"fundPaysExtendedLeave\": false", "\"fundPaysExtendedLeave\": true")
            .Replace("\"fundPaysNursingLeave\": false", "\"fundPaysNursingLeave\": true"));
        var nursing = new BirthEvent(AllowanceEventKind.NursingLeave, Born, 1, false, 39, null);

        Assert.Equal(98, Days(wenzhou, Settled("52", "1")));
        Assert.Equal(158, Days(paying, Settled("52", "1")));       // Zhejiang's 158: 98 + 60 extended
        Assert.Equal(0, Days(wenzhou, nursing));
        Assert.Equal(15, Days(paying, nursing));
    }

    [Fact]
    public void A_prenatal_check_carries_no_allowance() => Assert.Null(BirthEvent.FromVisit(TestData.Visit("51", "7", weeks: 20), Born));

    [Fact]
    public void The_daily_amount_is_last_year_s_average_wage_over_the_divisor_rounded_then_times_the_days()
    {
        var result = AllowanceRules.Compute(Load(Wenzhou).Allowance, Settled("52", "4", fetuses: 2), 8650.00m, 2025);

        Assert.Equal(128, result.Days);
        Assert.Equal(288.33m, result.DailyAmount);          // 8650 / 30 = 288.333…
        Assert.Equal(36906.24m, result.Amount);             // 288.33 × 128
        Assert.Equal("allowance: 288.33 x 128 = 36906.24", result.Explain()[^1]);
    }

    [Fact]
    public void A_region_s_floor_lifts_a_low_employer_average_and_leaves_a_higher_one_alone()
    {
        var baseline = Load(NationalBaseline).Allowance;   // floor: 60 % of 7,500 = 4,500

        var low = AllowanceRules.Compute(baseline, Settled("52", "1"), 3000.00m, 2025);
        var high = AllowanceRules.Compute(baseline, Settled("52", "1"), 6000.00m, 2025);

        Assert.Equal((4500.00m, 150.00m, 14700.00m), (low.BaseWage, low.DailyAmount, low.Amount));
        Assert.Equal((6000.00m, 200.00m, 19600.00m), (high.BaseWage, high.DailyAmount, high.Amount));
    }

    [Fact]
    public void Reports_of_one_birth_are_the_same_event_within_the_window_and_a_later_birth_is_not()
    {
        var birth = Settled("52", "1");
        Assert.True(birth.SameAs(birth with { Date = Born.AddDays(3) }));
        Assert.True(birth.SameAs(birth with { Kind = AllowanceEventKind.Miscarriage }));
        Assert.False(birth.SameAs(birth with { Date = Born.AddDays(400) }));
        Assert.False(birth.SameAs(new BirthEvent(AllowanceEventKind.NursingLeave, Born, 1, false, 39, null)));
    }
}
