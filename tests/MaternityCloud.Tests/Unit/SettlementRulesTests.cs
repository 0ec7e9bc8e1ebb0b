using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Domain;
using MaternityCloud.Contracts.Codes;
using MaternityCloud.Tests.Infrastructure;
using static MaternityCloud.Tests.Infrastructure.ShippedPolicies;

namespace MaternityCloud.Tests.Unit;

/// <summary>The maternity medical rules, line by line, with the region files as they ship.</summary>
public sealed class SettlementRulesTests
{
    // Items of the shipped catalogs.
    private const string UrineRoutine = "250102001";   // 尿常规, prenatal visits 1-12
    private const string PrenatalVisit = "311202001";  // 产前检查, visits 2-12
    private const string EggRetrieval = "311000017";   // 取卵术 (辅助生殖): general pool
    private const string PrivateWard = "110900099";    // 特需病房: self-pay
    private const string Caesarean = "331505003";
    private const string NormalDelivery = "331505001";
    private const string Bed = "110900001";
    private const string IudInsertion = "311201005";
    private const string Abortion = "311201014";

    private static IReadOnlyList<PricedLine> Lines(RegionPolicy policy, params (string Code, decimal Amount)[] lines) =>
        lines.Select((l, i) => new PricedLine(new FeeLine(i + 1, l.Code, "", 1, l.Amount, l.Amount), policy.Medical.Catalog.Find(l.Code)!)).ToList();

    /// <summary>A visit in the national codes, with one fetus at 20 weeks when it concerns a pregnancy.</summary>
    private static ClassifiedVisit Classify(string medicalType, string? matn = null, string? birctrl = null, bool complication = false)
    {
        var v = new Validator();
        var pregnancy = matn is not null || birctrl is "3" or "4";
        var visit = NationalCodes.ClassifyVisit(medicalType, matn, birctrl, pregnancy ? 1 : 0, pregnancy ? 20 : 0, false, complication, (f, r) => v.Add(f, r));
        v.ThrowIfInvalid();
        return visit!;
    }

    private static readonly ClassifiedVisit PrenatalCheck = Classify("51", "7");

    [Fact]
    public void A_prenatal_check_within_the_cap_is_paid_in_full_without_deductible_and_consumes_the_quota()
    {
        var wenzhou = Load(Wenzhou);
        var result = SettlementRules.Compute(wenzhou.Medical, PrenatalCheck, Lines(wenzhou, (PrenatalVisit, 30.00m), (UrineRoutine, 12.50m)), false,
            new PrenatalQuota(Guid.NewGuid(), 3000m, 0m));

        Assert.Equal(42.50m, result.Fund);
        Assert.Equal(0m, result.Transferred + result.Individual);
        Assert.Equal(42.50m, result.QuotaConsumed);
        Assert.All(result.Lines, l => Assert.Equal(("prenatal-catalog", Pool.PrenatalChannel), (l.Rule, l.Pool)));
    }

    [Fact]
    public void The_cap_crossed_inside_one_visit_pays_the_remaining_quota_and_sends_the_rest_of_that_line_to_the_general_pool()
    {
        var wenzhou = Load(Wenzhou);
        var result = SettlementRules.Compute(wenzhou.Medical, PrenatalCheck,
            Lines(wenzhou, (PrenatalVisit, 60.00m), (UrineRoutine, 80.00m), (UrineRoutine, 20.00m)), false,
            new PrenatalQuota(Guid.NewGuid(), 3000m, 2900m));

        Assert.Equal([60.00m, 40.00m, 0m], result.Lines.Select(l => l.Fund));
        Assert.Equal([0m, 40.00m, 20.00m], result.Lines.Select(l => l.Transferred));
        Assert.Equal(["prenatal-catalog", "prenatal-cap", "prenatal-cap"], result.Lines.Select(l => l.Rule));
        Assert.Equal(Pool.GeneralOutpatient, result.Lines[2].Pool);
        Assert.Equal(Pool.GeneralOutpatient, result.Lines[1].TransferredTo);
        Assert.Equal(100.00m, result.QuotaConsumed);
        Assert.Contains("3000.00", result.Lines[1].Explanation);
    }

    [Fact]
    public void At_a_prenatal_check_items_outside_the_prenatal_catalog_go_to_the_general_outpatient_pool_and_self_pay_items_to_the_person()
    {
        var wenzhou = Load(Wenzhou);
        var result = SettlementRules.Compute(wenzhou.Medical, PrenatalCheck,
            Lines(wenzhou, (PrenatalVisit, 30.00m), (EggRetrieval, 2400.00m), (PrivateWard, 300.00m)), false, new PrenatalQuota(Guid.NewGuid(), 3000m, 0m));

        Assert.Equal((30.00m, 2400.00m, 300.00m), (result.Fund, result.Transferred, result.Individual));
        Assert.Equal("outside-prenatal-catalog", result.Lines[1].Rule);
        Assert.Equal("self-pay", result.Lines[2].Rule);
        Assert.Equal(30.00m, result.QuotaConsumed);
    }

    [Fact]
    public void A_region_with_a_prenatal_ratio_below_one_rounds_each_line_its_own_way_and_sends_the_rest_to_the_general_pool()
    {
        static string Edit(string d, string rounding) => d.Replace("\"prenatalRatio\": \"1.00\"", "\"prenatalRatio\": \"0.85\"")
            .Replace("\"roundingMode\": \"HalfUp\"", $"\"roundingMode\": \"{rounding}\"");
        var halfUp = Load(Wenzhou, d => Edit(d, "HalfUp"));
        var down = Load(Wenzhou, d => Edit(d, "Down"));
        var quota = new PrenatalQuota(Guid.NewGuid(), 3000m, 0m);

        var up = SettlementRules.Compute(halfUp.Medical, PrenatalCheck, Lines(halfUp, (UrineRoutine, 10.01m)), false, quota);
        var cut = SettlementRules.Compute(down.Medical, PrenatalCheck, Lines(down, (UrineRoutine, 10.01m)), false, quota);

        Assert.Equal((8.51m, 1.50m), (up.Fund, up.Transferred));   // 8.5085 half up
        Assert.Equal((8.50m, 1.51m), (cut.Fund, cut.Transferred)); // cut at the fen
    }

    [Fact]
    public void Childbirth_by_ratio_pays_compliant_items_in_full_and_hands_items_outside_the_catalog_to_the_inpatient_pool()
    {
        var wenzhou = Load(Wenzhou);
        var result = SettlementRules.Compute(wenzhou.Medical, Classify("52", "3"),
            Lines(wenzhou, (Caesarean, 2800.00m), (Bed, 450.00m), (EggRetrieval, 100.00m), (PrivateWard, 600.00m)), false, null);

        Assert.Equal((3250.00m, 100.00m, 600.00m), (result.Fund, result.Transferred, result.Individual));
        Assert.Equal(["maternity-ratio", "maternity-ratio", "outside-maternity-catalog", "self-pay"], result.Lines.Select(l => l.Rule));
        Assert.Equal(Pool.GeneralInpatient, result.Lines[2].TransferredTo);
    }

    [Theory]
    [InlineData("1", false, "2600.00", "2000.00", "600.00")]   // 顺产 2000
    [InlineData("1", false, "1500.00", "1500.00", "0.00")]     // never more than the costs
    [InlineData("3", false, "4200.00", "3000.00", "1200.00")]  // 剖宫产 3000
    [InlineData("3", true, "4200.00", "1500.00", "2700.00")]   // a filed spouse: 50 %
    [InlineData("5", false, "800.00", "800.00", "0.00")]       // miscarriage has no fixed amount in Daye: by ratio
    public void Childbirth_by_fixed_amount_pays_the_category_lump_sum(string matn, bool spouse, string costs, string fund, string individual)
    {
        var daye = Load(Daye);
        var amount = decimal.Parse(costs, System.Globalization.CultureInfo.InvariantCulture);
        var result = SettlementRules.Compute(daye.Medical, Classify("52", matn), Lines(daye, (NormalDelivery, amount - 300m), (Bed, 300m)), spouse, null);

        Assert.Equal(decimal.Parse(fund, System.Globalization.CultureInfo.InvariantCulture), result.Fund);
        Assert.Equal(decimal.Parse(individual, System.Globalization.CultureInfo.InvariantCulture), result.Individual);
        Assert.Equal(amount, result.Fund + result.Individual);
    }

    [Fact]
    public void Childbirth_by_quota_cap_pays_up_to_the_cap_and_the_person_pays_above_it()
    {
        var baseline = Load(NationalBaseline);
        var result = SettlementRules.Compute(baseline.Medical, Classify("52", "3"), Lines(baseline, (Caesarean, 4000.00m), (Bed, 2000.00m)), false, null);

        Assert.Equal((5000.00m, 1000.00m), (result.Fund, result.Individual));
        Assert.Equal(["maternity-quota-cap", "maternity-over-quota"], result.Lines.Select(l => l.Rule));
    }

    [Theory]
    [InlineData(Wenzhou, "5301", "1", IudInsertion, "180.00", "180.00")]    // ratio 100 %
    [InlineData(Daye, "5301", "1", IudInsertion, "180.00", "100.00")]       // fixed 100
    [InlineData(NationalBaseline, "5301", "1", IudInsertion, "180.00", "150.00")] // cap 150
    [InlineData(Wenzhou, "5302", "3", Abortion, "900.00", "900.00")]
    [InlineData(Daye, "5302", "3", Abortion, "900.00", "500.00")]
    [InlineData(NationalBaseline, "5302", "3", Abortion, "900.00", "600.00")]
    public void Family_planning_is_paid_in_each_region_s_mode(string region, string medicalType, string birctrl, string item, string costs, string fund)
    {
        var policy = Load(region);
        var amount = decimal.Parse(costs, System.Globalization.CultureInfo.InvariantCulture);
        var result = SettlementRules.Compute(policy.Medical, Classify(medicalType, birctrl: birctrl), Lines(policy, (item, amount)), false, null);

        Assert.Equal(decimal.Parse(fund, System.Globalization.CultureInfo.InvariantCulture), result.Fund);
        Assert.Equal(amount - result.Fund, result.Individual);
    }

    [Theory]
    [InlineData(Wenzhou, "1200.00")]           // ratio 100 %
    [InlineData(Daye, "1200.00")]              // no fixed amount for a miscarriage: by ratio
    [InlineData(NationalBaseline, "1000.00")]  // quota cap 1000
    public void A_miscarriage_treated_as_an_outpatient_is_paid_in_each_region_s_mode(string region, string fund)
    {
        var policy = Load(region);
        var result = SettlementRules.Compute(policy.Medical, Classify("51", "5"), Lines(policy, (Abortion, 1200.00m)), false, null);

        Assert.Equal(decimal.Parse(fund, System.Globalization.CultureInfo.InvariantCulture), result.Fund);
        Assert.Equal(1200.00m - result.Fund, result.Individual);
        Assert.All(result.Lines, l => Assert.Equal(Pool.Maternity, l.Pool));
    }

    [Fact]
    public void A_complication_stay_goes_to_the_ordinary_inpatient_pool_and_the_maternity_fund_pays_nothing()
    {
        var wenzhou = Load(Wenzhou);
        var result = SettlementRules.Compute(wenzhou.Medical, Classify("52", "1", complication: true),
            Lines(wenzhou, (NormalDelivery, 1800.00m), (Bed, 600.00m), (PrivateWard, 200.00m)), false, null);

        Assert.Equal((0m, 2400.00m, 200.00m), (result.Fund, result.Transferred, result.Individual));
        Assert.All(result.Lines.Take(2), l => Assert.Equal(("complication-ordinary-rules", Pool.GeneralInpatient), (l.Rule, l.TransferredTo!.Value)));
    }

    [Fact]
    public void A_filed_spouse_gets_the_region_s_share_of_the_prenatal_cap()
    {
        var daye = Load(Daye);
        Assert.Equal(250.00m, SettlementRules.PrenatalCap(daye.Medical, 500.00m, asFiledSpouse: true));
        Assert.Equal(500.00m, SettlementRules.PrenatalCap(daye.Medical, 500.00m, asFiledSpouse: false));
    }

    [Theory]
    [InlineData("52", "7", null, 1, 20, false, "maternity_category")]
    [InlineData("51", null, null, 1, 20, false, "maternity_category")]
    [InlineData("5302", null, "0", 0, 0, false, "family_planning_category")]
    [InlineData("11", "1", null, 1, 20, false, "medical_type")]
    [InlineData("52", "3", null, 0, 39, false, "fetus_count")]           // a childbirth of no baby
    [InlineData("52", "1", null, 10, 39, false, "fetus_count")]
    [InlineData("52", "5", null, 1, 0, false, "gestational_weeks")]      // a miscarriage's days depend on its weeks
    [InlineData("51", "7", null, 1, 45, false, "gestational_weeks")]
    [InlineData("5301", null, "1", 1, 0, false, "fetus_count")]          // an IUD insertion concerns no pregnancy
    [InlineData("5302", null, "5", 0, 0, true, "dystocia")]              // nor can a sterilisation be a dystocia
    [InlineData("52", "5", null, 1, 10, true, "dystocia")]
    [InlineData("52", "1", "3", 1, 39, false, "family_planning_category")]
    public void Visits_in_the_wrong_national_codes_are_refused_naming_the_field(
        string medicalType, string? matn, string? birctrl, int fetuses, int weeks, bool dystocia, string field)
    {
        var v = new Validator();
        Assert.Null(NationalCodes.ClassifyVisit(medicalType, matn, birctrl, fetuses, weeks, dystocia, false, (f, r) => v.Add(f, r)));
        Assert.Equal(field, Assert.Single(v.Violations).Field);
    }

    [Theory]
    [InlineData("52", "1", null, VisitKind.Maternity, PregnancyOutcome.NormalDelivery, AllowanceEventKind.Childbirth)]
    [InlineData("51", "4", null, VisitKind.Maternity, PregnancyOutcome.Dystocia, AllowanceEventKind.Childbirth)]
    [InlineData("52", "6", null, VisitKind.Maternity, PregnancyOutcome.InducedLabour, AllowanceEventKind.Miscarriage)]
    [InlineData("52", "9", null, VisitKind.Maternity, null, null)]
    [InlineData("51", "7", null, VisitKind.PrenatalCheck, null, null)]
    [InlineData("5302", null, "3", VisitKind.FamilyPlanning, PregnancyOutcome.Abortion, AllowanceEventKind.Miscarriage)]
    [InlineData("5301", null, "1", VisitKind.FamilyPlanning, null, AllowanceEventKind.FamilyPlanning)]
    public void One_classification_says_what_a_visit_is_whether_it_ends_the_pregnancy_and_which_allowance_follows(
        string medicalType, string? matn, string? birctrl, VisitKind kind, PregnancyOutcome? end, AllowanceEventKind? allowance)
    {
        var visit = Classify(medicalType, matn, birctrl);
        Assert.Equal((kind, end, allowance), (visit.Kind, visit.PregnancyEnd, visit.Allowance));
    }

    [Fact]
    public void The_intelligent_audit_flags_repeats_on_a_day_items_beyond_their_visits_and_quantities_above_the_limit()
    {
        var wenzhou = Load(Wenzhou);
        var catalog = wenzhou.Medical.Catalog;
        var lines = new List<PricedLine>
        {
            new(new FeeLine(1, UrineRoutine, "尿常规", 1, 10m, 10m), catalog.Find(UrineRoutine)!),
            new(new FeeLine(2, PrenatalVisit, "产前检查", 3, 10m, 30m), catalog.Find(PrenatalVisit)!),
        };
        var history = new BillingHistory(
            new Dictionary<string, int> { [UrineRoutine] = 1 },
            new Dictionary<string, int> { [UrineRoutine] = 12, [PrenatalVisit] = 2 });

        var findings = IntelligentAudit.Check(lines, history, pregnancyKnown: true);

        Assert.Equal(
            [(1, "frequency-exceeded"), (1, "repeat-same-day"), (2, "quantity-exceeded")],
            findings.Select(f => (f.LineNo, f.Rule)).OrderBy(f => f.LineNo).ThenBy(f => f.Rule).ToList());
        Assert.Contains("13 times", findings.Single(f => f.Rule == "frequency-exceeded").Detail);
        Assert.Empty(IntelligentAudit.Check(lines.Take(1).ToList(), BillingHistory.None, pregnancyKnown: true));
    }

    [Theory]
    [InlineData("330300", "330300", SettlementScope.Local)]
    [InlineData("330300", "330302", SettlementScope.Local)]
    [InlineData("330300", "330100", SettlementScope.InProvince)]
    [InlineData("330300", "350100", SettlementScope.CrossProvince)]
    [InlineData("000000", "350100", SettlementScope.Local)]
    public void Where_the_institution_is_designated_decides_local_in_province_or_cross_province(string personRegion, string institutionRegion, SettlementScope scope) =>
        Assert.Equal(scope, SettlementScopes.Of(personRegion, institutionRegion));

    [Fact]
    public void Working_days_skip_the_national_day_holiday_and_count_its_adjusted_working_days()
    {
        var calendar = WorkingDayCalendar.Shipped;
        Assert.Equal(new DateOnly(2026, 10, 8), calendar.AddWorkingDays(new DateOnly(2026, 9, 30), 1).Date);
        Assert.Equal(new DateOnly(2026, 10, 10), calendar.AddWorkingDays(new DateOnly(2026, 9, 30), 3).Date); // Saturday 10 October is worked
        Assert.True(calendar.IsWorkingDay(new DateOnly(2026, 9, 20)));   // Sunday, adjusted working day
        Assert.False(calendar.IsWorkingDay(new DateOnly(2026, 9, 25)));  // Mid-Autumn (Friday)
        Assert.False(calendar.AddWorkingDays(new DateOnly(2026, 9, 18), 10).Provisional);
        var intoNextYear = calendar.AddWorkingDays(new DateOnly(2026, 12, 28), 5);
        Assert.True(intoNextYear.Provisional);   // 2027's schedule is not loaded: weekdays, flagged
        Assert.Equal(new DateOnly(2027, 1, 4), intoNextYear.Date);
    }
}
