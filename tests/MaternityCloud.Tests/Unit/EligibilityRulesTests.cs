using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Unit;

/// <summary>The eligibility rules on their own, with region parameters built from the shipped documents.</summary>
public sealed class EligibilityRulesTests
{
    private static readonly DateOnly Birth = new(2026, 6, 15);
    private static readonly UnifiedSocialCreditCode Employer = ParseCode(TestData.CreditCode());

    // Continuous 10 months, back-payments not counted, insured on the date; allowance excluded for UI, retirees, residents.
    private static readonly RegionPolicy Wenzhou = Shipped("330300-2024-01-01.json");
    // Cumulative 6 months, back-payments counted; flexible workers excluded from the allowance too.
    private static readonly RegionPolicy Daye = Shipped("420281-2022-01-25.json");

    private static RegionPolicy Shipped(string file)
    {
        var assembly = typeof(RegionPolicyDocument).Assembly;
        using var stream = assembly.GetManifestResourceStream("Regions." + file)!;
        return RegionPolicyDocument.Parse(new StreamReader(stream).ReadToEnd(), versionId: 1);
    }

    private static UnifiedSocialCreditCode ParseCode(string text)
    {
        UnifiedSocialCreditCode.TryParse(text, out var code, out _);
        return code;
    }

    private static InsurancePeriod Period(InsuredKind kind, string from, string? to = null, string? coveredFrom = null) =>
        new(kind, kind == InsuredKind.Employee ? Employer : null, DateOnly.Parse(from), to is null ? null : DateOnly.Parse(to),
            DateOnly.Parse(coveredFrom ?? from), "test", "330300");

    /// <summary>Months paid in full and on time, counting back from the month before <paramref name="before"/>.</summary>
    private static List<ContributionMonth> Paid(int months, DateOnly before, bool backPayment = false)
    {
        var first = new DateOnly(before.Year, before.Month, 1);
        return Enumerable.Range(1, months).Select(i => new ContributionMonth(first.AddMonths(-i), !backPayment, backPayment)).ToList();
    }

    private static EligibilityDecision Decide(InsuranceRecord? own, Benefit benefit, RegionPolicy policy, DateOnly? date = null) =>
        EligibilityRules.Decide(new EligibilityFacts(own, null, null), benefit, date ?? Birth, policy);

    private static string[] Codes(EligibilityDecision d) => d.Reasons.Select(r => r.Code).ToArray();

    [Fact]
    public void An_employee_with_enough_continuous_months_is_eligible_for_both_benefits_and_the_version_is_named()
    {
        var own = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01")], Paid(10, Birth));

        var medical = Decide(own, Benefit.MaternityMedical, Wenzhou);
        var allowance = Decide(own, Benefit.Allowance, Wenzhou);

        Assert.True(medical.Eligible);
        Assert.True(allowance.Eligible);
        Assert.Empty(allowance.Reasons);
        Assert.Equal("330300@2024-01-01#1", allowance.PolicyVersion);
        Assert.Equal(InsuredKind.Employee, allowance.Kind);
        Assert.Equal(Employer.Value, allowance.EmployerCreditCode);
    }

    [Fact]
    public void A_gap_breaks_continuous_months_but_not_cumulative_ones()
    {
        var months = Paid(12, Birth);
        months.RemoveAt(2); // the third month before the birth month is missing
        var own = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01")], months);

        var continuous = Decide(own, Benefit.MaternityMedical, Wenzhou);
        var cumulative = Decide(own, Benefit.MaternityMedical, Daye);

        Assert.False(continuous.Eligible);
        var reason = Assert.Single(continuous.Reasons);
        Assert.Equal("contributions-short", reason.Code);
        Assert.Equal("2 continuous months just before 2026-06 paid in full and on time; the region requires 10", reason.Message);
        Assert.True(cumulative.Eligible);
    }

    [Fact]
    public void Back_payments_count_only_where_the_region_says_so()
    {
        var own = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01")], Paid(12, Birth, backPayment: true));

        var wenzhou = Decide(own, Benefit.MaternityMedical, Wenzhou);
        var daye = Decide(own, Benefit.MaternityMedical, Daye);

        Assert.Equal(["contributions-short"], Codes(wenzhou));
        Assert.EndsWith("the region requires 10; 12 back-paid month(s) do not count here", wenzhou.Reasons[0].Message);
        Assert.True(daye.Eligible);
    }

    [Theory]
    [InlineData(InsuredKind.UnemploymentBenefitRecipient, true, "excluded-kind")]
    [InlineData(InsuredKind.FlexibleWorker, true, "")]
    [InlineData(InsuredKind.Retiree, false, "kind-not-covered excluded-kind")]
    [InlineData(InsuredKind.Resident, false, "kind-not-covered excluded-kind")]
    [InlineData(InsuredKind.Employee, true, "")]
    public void Each_kind_gets_medical_and_allowance_as_Wenzhou_sets_them(InsuredKind kind, bool medical, string allowanceReasons)
    {
        var own = new InsuranceRecord([Period(kind, "2020-01-01")], Paid(24, Birth));

        Assert.Equal(medical, Decide(own, Benefit.MaternityMedical, Wenzhou).Eligible);
        var allowance = Decide(own, Benefit.Allowance, Wenzhou);
        Assert.Equal(allowanceReasons, string.Join(' ', Codes(allowance)));
        Assert.Equal(allowanceReasons.Length == 0, allowance.Eligible);
    }

    [Fact]
    public void Daye_excludes_flexible_workers_from_the_allowance_by_name()
    {
        var own = new InsuranceRecord([Period(InsuredKind.FlexibleWorker, "2020-01-01")], Paid(24, Birth));

        var decision = Decide(own, Benefit.Allowance, Daye);

        Assert.Equal(["excluded-kind"], Codes(decision));
        Assert.Equal("FlexibleWorker does not receive the maternity allowance in this region", decision.Reasons[0].Message);
        Assert.True(Decide(own, Benefit.MaternityMedical, Daye).Eligible);
    }

    [Fact]
    public void History_is_judged_on_the_event_date_when_the_kind_changes_mid_pregnancy()
    {
        // Employee until April, then on unemployment benefit: a prenatal check in March is judged as an employee,
        // the birth in June as an unemployment-benefit recipient (no allowance).
        var own = new InsuranceRecord(
            [Period(InsuredKind.Employee, "2020-01-01", "2026-04-30"), Period(InsuredKind.UnemploymentBenefitRecipient, "2026-05-01")],
            Paid(30, Birth));

        var march = Decide(own, Benefit.Allowance, Wenzhou, new DateOnly(2026, 3, 10));
        var june = Decide(own, Benefit.Allowance, Wenzhou);

        Assert.True(march.Eligible);
        Assert.Equal(InsuredKind.Employee, march.Kind);
        Assert.False(june.Eligible);
        Assert.Equal(InsuredKind.UnemploymentBenefitRecipient, june.Kind);
        Assert.Equal(["excluded-kind"], Codes(june));
    }

    [Fact]
    public void Not_insured_on_the_date_says_since_when_or_until_when_and_hints_at_the_spouse_filing()
    {
        var later = new InsuranceRecord([Period(InsuredKind.Employee, "2026-07-01")], []);
        var ended = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01", "2026-05-31")], Paid(30, Birth));

        var before = Decide(later, Benefit.MaternityMedical, Wenzhou);
        var after = Decide(ended, Benefit.MaternityMedical, Wenzhou);
        var nobody = Decide(null, Benefit.MaternityMedical, Wenzhou);

        Assert.Equal(["not-insured", "spouse-not-filed"], Codes(before));
        Assert.Equal("not insured on 2026-06-15: insured from 2026-07-01", before.Reasons[0].Message);
        Assert.Equal("not insured on 2026-06-15: insurance ended on 2026-05-31", after.Reasons[0].Message);
        Assert.Equal("no insurance record on 2026-06-15", nobody.Reasons[0].Message);
    }

    [Fact]
    public void A_region_that_does_not_require_insurance_on_the_event_date_judges_by_the_last_period_begun_before_it()
    {
        // Insurance ended two weeks before the birth; 24 months were paid before that.
        var own = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01", "2026-05-31")], Paid(24, new DateOnly(2026, 6, 1)));
        var lenient = Daye with { Eligibility = Daye.Eligibility with { MustBeInsuredOnEventDate = false } };

        Assert.Equal(["not-insured", "spouse-not-filed"], Codes(Decide(own, Benefit.Allowance, Daye)));
        var decision = Decide(own, Benefit.Allowance, lenient);
        Assert.True(decision.Eligible);
        Assert.Equal(InsuredKind.Employee, decision.Kind);
    }

    [Fact]
    public void A_waiting_period_gives_its_end_date()
    {
        var own = new InsuranceRecord([Period(InsuredKind.Resident, "2026-06-01", coveredFrom: "2026-07-01")], []);
        var national = Shipped("000000-2024-01-01.json");

        var decision = EligibilityRules.Decide(new EligibilityFacts(own, null, null), Benefit.MaternityMedical, Birth,
            national with { Eligibility = national.Eligibility with { MaternityMedicalKinds = new HashSet<string>(["Resident"]) } });

        var reason = Assert.Single(decision.Reasons);
        Assert.Equal("waiting-period", reason.Code);
        Assert.Equal(new DateOnly(2026, 7, 1), reason.Until);
    }

    [Fact]
    public void A_filed_spouse_is_covered_for_medical_costs_through_her_husband_but_gets_no_allowance()
    {
        ResidentIdNumber.TryParse(TestData.IdNumber(), out var spouseId, out _);
        var filing = new SpouseFiling(Guid.NewGuid(), spouseId, "王芳", Guid.NewGuid(), "J350102-2020-000123", Birth, "clerk", "H35010200001", DateTimeOffset.UtcNow);
        var husband = new InsuranceRecord([Period(InsuredKind.Employee, "2015-01-01")], Paid(12, Birth));
        var husbandShort = new InsuranceRecord([Period(InsuredKind.Employee, "2015-01-01")], Paid(3, Birth));

        var medical = EligibilityRules.Decide(new EligibilityFacts(null, filing, husband), Benefit.MaternityMedical, Birth, Wenzhou);
        var allowance = EligibilityRules.Decide(new EligibilityFacts(null, filing, husband), Benefit.Allowance, Birth, Wenzhou);
        var shortMonths = EligibilityRules.Decide(new EligibilityFacts(null, filing, husbandShort), Benefit.MaternityMedical, Birth, Wenzhou);

        Assert.True(medical.Eligible);
        Assert.True(medical.AsFiledSpouse);
        Assert.Equal(["spouse-medical-only"], Codes(allowance));
        Assert.Equal(["contributions-short"], Codes(shortMonths));
        Assert.StartsWith("the filed spouse's husband: 3 continuous months", shortMonths.Reasons[0].Message);
    }

    [Theory]
    [InlineData("2026-03-01", "2026-03-20", "2026-03-01")]  // within 90 days: from birth
    [InlineData("2026-03-01", "2026-05-30", "2026-03-01")]  // the 90th day still counts
    [InlineData("2026-03-01", "2026-05-31", "2026-06-01")]  // late: from the next month (Wenzhou)
    public void Newborns_are_covered_from_birth_within_the_window_and_from_the_next_month_after_it(string birth, string enrolled, string covered)
    {
        Assert.Equal(DateOnly.Parse(covered),
            Wenzhou.Eligibility.NewbornWaitingPeriod.CoveredFrom(DateOnly.Parse(birth), DateOnly.Parse(enrolled)));
        Assert.Equal(DateOnly.Parse(enrolled) > DateOnly.Parse(birth).AddDays(90) ? DateOnly.Parse(enrolled).AddDays(1) : DateOnly.Parse(birth),
            Shipped("000000-2024-01-01.json").Eligibility.NewbornWaitingPeriod.CoveredFrom(DateOnly.Parse(birth), DateOnly.Parse(enrolled)));
    }

    [Fact]
    public void A_broken_region_document_names_every_bad_field()
    {
        var error = Assert.Throws<ValidationFailedException>(() => RegionPolicyDocument.Parse(
            """{ "region": "33A", "name": "x", "effectiveFrom": "2026-13-01", "eligibility": { "maternityMedicalKinds": ["Employee", "Student"] } }"""));

        var fields = error.Violations.Select(v => v.Field).ToHashSet();
        Assert.Contains("region", fields);
        Assert.Contains("effectiveFrom", fields);
        Assert.Contains("eligibility.maternityMedicalKinds", fields);
        Assert.Contains("eligibility.minimumContributionMonths", fields);
        Assert.Contains("eligibility.newbornWaitingPeriod", fields);
        Assert.Contains("medical", fields);
    }

    [Fact]
    public void Months_transferred_from_another_region_count_where_the_region_says_so()
    {
        var here = Paid(4, Birth);
        var transferred = Paid(8, Birth.AddMonths(-4)).Select(m => m with { TransferredFrom = "420281" }).ToList();
        var own = new InsuranceRecord([Period(InsuredKind.Employee, "2026-02-01")], [.. here, .. transferred]);

        Assert.Empty(Codes(Decide(own, Benefit.Allowance, Wenzhou)));
        var notCounted = Wenzhou with { Eligibility = Wenzhou.Eligibility with { TransferredMonthsCounted = false } };
        var refused = Decide(own, Benefit.Allowance, notCounted);
        Assert.Equal(["contributions-short"], Codes(refused));
        Assert.Contains("8 month(s) transferred from other regions do not count here", refused.Reasons[0].Message);
    }

    [Fact]
    public void Departments_statuses_change_the_kind_and_stop_benefits_from_their_dates()
    {
        var history = new List<InsurancePeriod> { Period(InsuredKind.Employee, "2020-01-01") };
        InsuranceRecord With(params PersonStatus[] statuses) => new(history, Paid(24, Birth), statuses);

        var retired = Decide(With(new PersonStatus(PersonStatusKind.Retirement, Birth.AddDays(-30), null)), Benefit.Allowance, Wenzhou);
        Assert.Equal(InsuredKind.Retiree, retired.Kind);
        var benefit = Decide(With(new PersonStatus(PersonStatusKind.UnemploymentBenefit, Birth.AddDays(-30), Birth.AddDays(30))), Benefit.Allowance, Wenzhou);
        Assert.Equal(InsuredKind.UnemploymentBenefitRecipient, benefit.Kind);
        Assert.Equal(["excluded-kind"], Codes(benefit));
        Assert.Equal(["deceased"], Codes(Decide(With(new PersonStatus(PersonStatusKind.Death, Birth.AddDays(-1), null)), Benefit.Allowance, Wenzhou)));
        Assert.Empty(Codes(Decide(With(new PersonStatus(PersonStatusKind.Death, Birth, null)), Benefit.Allowance, Wenzhou))); // the day itself
        var prison = With(new PersonStatus(PersonStatusKind.Imprisonment, Birth.AddDays(-10), Birth.AddDays(10)));
        Assert.Equal(["imprisoned"], Codes(Decide(prison, Benefit.MaternityMedical, Wenzhou)));
        var noSuspension = Wenzhou with { Eligibility = Wenzhou.Eligibility with { ImprisonmentSuspendsBenefits = false } };
        Assert.Empty(Codes(Decide(prison, Benefit.MaternityMedical, noSuspension)));

        // Employed again during the benefit's stretch: the newer employee period stands.
        var reemployed = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01", Birth.AddDays(-21).ToString("yyyy-MM-dd")),
            Period(InsuredKind.Employee, Birth.AddDays(-20).ToString("yyyy-MM-dd"))], Paid(24, Birth),
            [new PersonStatus(PersonStatusKind.UnemploymentBenefit, Birth.AddDays(-30), Birth.AddDays(60))]);
        Assert.Equal(InsuredKind.Employee, Decide(reemployed, Benefit.Allowance, Wenzhou).Kind);
        // Retired with the employee period closed on the retirement day itself: still insured, as a retiree.
        var closedOnTheDay = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01", Birth.AddDays(-30).ToString("yyyy-MM-dd"))], Paid(24, Birth),
            [new PersonStatus(PersonStatusKind.Retirement, Birth.AddDays(-30), null)]);
        Assert.Equal(InsuredKind.Retiree, Decide(closedOnTheDay, Benefit.Allowance, Wenzhou).Kind);
        // A filed spouse's own imprisonment suspends what the filing covers.
        var husband = new InsuranceRecord([Period(InsuredKind.Employee, "2020-01-01")], Paid(24, Birth));
        var filing = new SpouseFiling(Guid.NewGuid(), ResidentIdNumber.FromStored(TestData.IdNumber(male: false)), "李娜", Guid.NewGuid(), "J1",
            new DateOnly(2024, 1, 1), "clerk", "H33030200001", DateTimeOffset.UtcNow);
        var wife = new InsuranceRecord([], [], [new PersonStatus(PersonStatusKind.Imprisonment, Birth.AddDays(-5), null)]);
        Assert.Contains("imprisoned", Codes(EligibilityRules.Decide(new EligibilityFacts(wife, filing, husband), Benefit.MaternityMedical, Birth, Wenzhou)));
    }
}
