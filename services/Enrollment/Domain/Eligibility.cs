using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Enrollment.Domain;

/// <summary>What a decision is about: maternity medical costs (prenatal, childbirth, family planning) or the allowance.</summary>
public enum Benefit
{
    MaternityMedical = 1,
    Allowance = 2,
}

/// <summary>One reason a person is not eligible, with a stable code callers can act on and, for a wait, its end.</summary>
public sealed record EligibilityReason(string Code, string Message, DateOnly? Until = null);

/// <summary>
/// The answer: eligible or every reason not, under the rules of <see cref="Region"/> (the person's pooling region on
/// the event date, from the insurance record; the husband's for a filed spouse), in version <see cref="PolicyVersion"/>.
/// </summary>
public sealed record EligibilityDecision(
    bool Eligible,
    IReadOnlyList<EligibilityReason> Reasons,
    string PolicyVersion,
    InsuredKind? Kind,
    string? EmployerCreditCode,
    bool AsFiledSpouse,
    string Region);

/// <summary>
/// A person's own insurance: the history, the contribution months before the event's month, and the statuses other
/// departments reported (retirement, death, an unemployment-benefit period, imprisonment).
/// </summary>
public sealed record InsuranceRecord(
    IReadOnlyList<InsurancePeriod> History, IReadOnlyList<ContributionMonth> Contributions, IReadOnlyList<PersonStatus>? Statuses = null)
{
    public IReadOnlyList<PersonStatus> Statuses { get; } = Statuses ?? [];

    /// <summary>The day of death, if public security reported one (the earliest, should two records disagree).</summary>
    public DateOnly? DiedOn => Statuses.Where(s => s.Kind == PersonStatusKind.Death).Select(s => (DateOnly?)s.From).Min();
}

/// <summary>
/// Everything a decision reads, taken from one database snapshot; for a filed spouse, also the day civil affairs
/// dissolved the marriage she was filed through, if it did.
/// </summary>
public sealed record EligibilityFacts(InsuranceRecord? Own, SpouseFiling? Filing, InsuranceRecord? FiledEmployee, DateOnly? MarriageDissolvedOn = null);

/// <summary>
/// The eligibility rules, driven entirely by the region's parameters in force on the event date. Every reason is
/// collected, not just the first, so a counter clerk can tell the person everything at once.
/// </summary>
public static class EligibilityRules
{
    /// <summary>
    /// The pooling region whose rules judge the event: the region of the person's own period on the date (or, where the
    /// region does not require insurance on the date, of the last period begun before it), else the filed spouse's
    /// husband's; null when neither has any insurance record.
    /// </summary>
    public static string? RegionOf(EligibilityFacts facts, DateOnly eventDate)
    {
        static string? Of(InsuranceRecord? record, DateOnly date) => record is null ? null
            : (record.History.FirstOrDefault(p => p.Contains(date)) ?? record.History.Where(p => p.ValidFrom <= date).MaxBy(p => p.ValidFrom))?.Region;
        return Of(facts.Own, eventDate) ?? (facts.Filing is not null ? Of(facts.FiledEmployee, eventDate) : null);
    }

    /// <summary>A person with no insurance record anywhere: no region, so no region's rules; refused with the reasons.</summary>
    public static EligibilityDecision NotInsured(EligibilityFacts facts, DateOnly eventDate)
    {
        List<EligibilityReason> reasons = [new("not-insured", NotInsuredMessage(facts.Own, eventDate))];
        CheckDeath(facts.Own, eventDate, reasons, prefix: "");
        if (facts.Filing is null)
            reasons.Add(new("spouse-not-filed", "no spouse filing (备案): the unemployed spouse of an insured male employee is covered once filed"));
        return new EligibilityDecision(false, reasons, "", null, null, facts.Filing is not null, "");
    }

    public static EligibilityDecision Decide(EligibilityFacts facts, Benefit benefit, DateOnly eventDate, RegionPolicy policy)
    {
        var rules = policy.Eligibility;
        var reasons = new List<EligibilityReason>();

        var ownPeriod = facts.Own is { } own ? PeriodFor(own, eventDate, rules) : null;
        if (ownPeriod is not null)
        {
            CheckOwn(facts.Own!, ownPeriod, benefit, eventDate, rules, reasons, prefix: "");
            return new EligibilityDecision(reasons.Count == 0, reasons, policy.Version, ownPeriod.Kind, ownPeriod.EmployerCreditCode?.Value, false, policy.Region);
        }

        if (facts.Filing is { } filing && facts.FiledEmployee is { } employee)
        {
            var employeePeriod = PeriodFor(employee, eventDate, rules);
            CheckDeath(facts.Own, eventDate, reasons, prefix: "");
            CheckImprisonment(facts.Own, eventDate, rules, reasons, prefix: "");
            if (facts.MarriageDissolvedOn is { } dissolved && dissolved < eventDate)
                reasons.Add(new("marriage-dissolved",
                    $"civil affairs dissolved the marriage the spouse was filed through on {dissolved:yyyy-MM-dd}: the filing covers nothing after that day"));
            if (employee.DiedOn is { } husbandDied && husbandDied < eventDate)
                reasons.Add(new("spouse-employee-deceased",
                    $"the filed spouse's husband died on {husbandDied:yyyy-MM-dd}: the filing covers nothing after that day"));
            else if (employeePeriod is null)
                reasons.Add(new("spouse-employee-not-insured",
                    $"the filed spouse's husband is not insured on {eventDate:yyyy-MM-dd}"));
            else if (employeePeriod.Kind != InsuredKind.Employee)
                reasons.Add(new("spouse-employee-not-employee",
                    $"the filed spouse's husband is insured as {employeePeriod.Kind} on {eventDate:yyyy-MM-dd}, not as an employee"));
            else
                CheckOwn(employee, employeePeriod, Benefit.MaternityMedical, eventDate, rules, reasons, prefix: "the filed spouse's husband: ");

            if (benefit == Benefit.Allowance && !rules.SpouseReceivesAllowance)
                reasons.Add(new("spouse-medical-only",
                    "an unemployed spouse is covered for maternity medical costs only; the allowance is not paid in this region"));
            return new EligibilityDecision(reasons.Count == 0, reasons, policy.Version, null, null, AsFiledSpouse: true, policy.Region);
        }

        reasons.Add(new("not-insured", NotInsuredMessage(facts.Own, eventDate)));
        CheckDeath(facts.Own, eventDate, reasons, prefix: "");
        if (facts.Filing is null)
            reasons.Add(new("spouse-not-filed",
                "no spouse filing (备案): the unemployed spouse of an insured male employee is covered once filed"));
        return new EligibilityDecision(false, reasons, policy.Version, null, null, false, policy.Region);
    }

    /// <summary>
    /// The period that judges the date, as the insurance history and the departments' statuses make it: during an
    /// unemployment-benefit period the person is insured as a benefit recipient (the unemployment fund pays), and
    /// from retirement on as a retiree, in the region of the insurance they had; otherwise the history's period.
    /// </summary>
    private static InsurancePeriod? PeriodFor(InsuranceRecord record, DateOnly date, EligibilityParameters rules)
    {
        var history = record.History;
        var containing = history.FirstOrDefault(p => p.Contains(date));
        var lastBegun = history.Where(p => p.ValidFrom <= date).MaxBy(p => p.ValidFrom);

        // A period registered since the benefit began (re-employed, say) is newer than the benefit and stands.
        if (record.Statuses.FirstOrDefault(s => s.Kind == PersonStatusKind.UnemploymentBenefit && s.Contains(date)) is { } benefit
            && (containing ?? lastBegun) is { } insured && insured.ValidFrom < benefit.From)
            return insured with
            {
                Kind = InsuredKind.UnemploymentBenefitRecipient, EmployerCreditCode = null, ValidFrom = benefit.From, ValidTo = benefit.To,
                CoveredFrom = insured.CoveredFrom > benefit.From ? insured.CoveredFrom : benefit.From, Reason = "unemployment benefit (人社)",
            };
        // Retirement makes the insurance in force a retiree's, and continues insurance that ran until it began (a clerk may
        // close the employee period on the eve, the day or the month's end); it revives nothing that had ended earlier.
        if (record.Statuses.Where(s => s.Kind == PersonStatusKind.Retirement && s.From <= date).MinBy(s => s.From) is { } retirement
            && (containing ?? lastBegun) is { } basis
            && (containing is not null || basis.ValidTo >= retirement.From.AddDays(-1)))
            return basis with
            {
                Kind = InsuredKind.Retiree, EmployerCreditCode = null, ValidFrom = retirement.From > basis.ValidFrom ? retirement.From : basis.ValidFrom,
                ValidTo = containing?.ValidTo, Reason = "retirement (人社)",
            };

        if (containing is not null || rules.MustBeInsuredOnEventDate) return containing;
        // Regions that do not require insurance on the event date judge by the last period begun before it.
        return lastBegun;
    }

    private static void CheckDeath(InsuranceRecord? record, DateOnly eventDate, List<EligibilityReason> reasons, string prefix)
    {
        if (record?.DiedOn is { } died && died < eventDate)
            reasons.Add(new("deceased", $"{prefix}public security recorded the death on {died:yyyy-MM-dd}: no benefit for an event after that day"));
    }

    private static void CheckImprisonment(InsuranceRecord? record, DateOnly eventDate, EligibilityParameters rules, List<EligibilityReason> reasons, string prefix)
    {
        if (rules.ImprisonmentSuspendsBenefits
            && record?.Statuses.FirstOrDefault(s => s.Kind == PersonStatusKind.Imprisonment && s.Contains(eventDate)) is { } prison)
            reasons.Add(new("imprisoned",
                $"{prefix}imprisoned or detained from {prison.From:yyyy-MM-dd}{(prison.To is { } to ? $" to {to:yyyy-MM-dd}" : "")}: benefits are suspended meanwhile in this region",
                prison.To?.AddDays(1)));
    }

    private static void CheckOwn(InsuranceRecord record, InsurancePeriod period, Benefit benefit, DateOnly eventDate,
        EligibilityParameters rules, List<EligibilityReason> reasons, string prefix)
    {
        CheckDeath(record, eventDate, reasons, prefix);
        CheckImprisonment(record, eventDate, rules, reasons, prefix);
        var kind = period.Kind.ToString();
        if (!rules.MaternityMedicalKinds.Contains(kind))
            reasons.Add(new("kind-not-covered", $"{prefix}{kind} is not covered by maternity insurance in this region"));
        if (benefit == Benefit.Allowance && rules.AllowanceExcludedKinds.Contains(kind))
            reasons.Add(new("excluded-kind", $"{prefix}{kind} does not receive the maternity allowance in this region"));
        if (period.CoveredFrom > eventDate)
            reasons.Add(new("waiting-period", $"{prefix}benefits start on {period.CoveredFrom:yyyy-MM-dd} (waiting period)", period.CoveredFrom));
        if (rules.ContributingKinds.Contains(kind) && rules.MinimumContributionMonths > 0)
            CheckContributions(record.Contributions, eventDate, rules, reasons, prefix);
    }

    private static void CheckContributions(IReadOnlyList<ContributionMonth> contributions, DateOnly eventDate,
        EligibilityParameters rules, List<EligibilityReason> reasons, string prefix)
    {
        var eventMonth = new DateOnly(eventDate.Year, eventDate.Month, 1);
        var byMonth = contributions.Where(c => c.Month < eventMonth).ToDictionary(c => c.Month);
        bool Qualifies(ContributionMonth c) => (c.TransferredFrom is null || rules.TransferredMonthsCounted)
            && (c.PaidInFullOnTime || (c.BackPayment && rules.BackPaymentsCounted));

        int counted;
        if (rules.ContributionCounting == ContributionCounting.Continuous)
        {
            counted = 0;
            for (var month = eventMonth.AddMonths(-1); byMonth.TryGetValue(month, out var c) && Qualifies(c); month = month.AddMonths(-1))
                counted++;
        }
        else
        {
            counted = byMonth.Values.Count(Qualifies);
        }
        if (counted >= rules.MinimumContributionMonths) return;

        var notCounted = rules.BackPaymentsCounted ? 0 : byMonth.Values.Count(c => !c.PaidInFullOnTime && c.BackPayment);
        var how = rules.ContributionCounting == ContributionCounting.Continuous ? "continuous months just" : "months in total";
        var backPaid = notCounted > 0 ? $"; {notCounted} back-paid month(s) do not count here" : "";
        var transferred = rules.TransferredMonthsCounted ? 0 : byMonth.Values.Count(c => c.TransferredFrom is not null);
        if (transferred > 0) backPaid += $"; {transferred} month(s) transferred from other regions do not count here";
        reasons.Add(new("contributions-short",
            $"{prefix}{counted} {how} before {eventMonth:yyyy-MM} paid in full and on time; the region requires {rules.MinimumContributionMonths}{backPaid}"));
    }

    private static string NotInsuredMessage(InsuranceRecord? own, DateOnly date)
    {
        if (own is null || own.History.Count == 0) return $"no insurance record on {date:yyyy-MM-dd}";
        var first = own.History[0].ValidFrom;
        if (date < first) return $"not insured on {date:yyyy-MM-dd}: insured from {first:yyyy-MM-dd}";
        var ended = own.History.Where(p => p.ValidTo is { } end && end < date).Max(p => p.ValidTo);
        return $"not insured on {date:yyyy-MM-dd}: insurance ended on {ended:yyyy-MM-dd}";
    }
}
