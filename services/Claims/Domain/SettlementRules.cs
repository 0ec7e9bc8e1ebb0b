using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Codes;

namespace MaternityCloud.Claims.Domain;

/// <summary>Who pays a line (the proto's Pool has the same numbers).</summary>
public enum Pool
{
    PrenatalChannel = 1,
    Maternity = 2,
    GeneralOutpatient = 3,
    GeneralInpatient = 4,
    SelfPay = 5,
}

/// <summary>
/// One line's result: which rule decided it, and its amount split three ways: the maternity fund pays
/// <see cref="Fund"/>, <see cref="Transferred"/> goes to the ordinary pool <see cref="TransferredTo"/> (settled there under
/// ordinary rules), and the person pays <see cref="Individual"/>. The three always add up to the amount.
/// </summary>
public sealed record LineSplit(
    FeeLine Line, Pool Pool, string Rule, decimal Fund, decimal Transferred, Pool? TransferredTo, decimal Individual, string Explanation);

/// <summary>The prenatal quota of one pregnancy as the settlement sees it: the cap that applies and what is used.</summary>
public sealed record PrenatalQuota(Guid PregnancyId, decimal Cap, decimal Used)
{
    public decimal Remaining => Math.Max(0, Cap - Used);
}

public sealed record SettlementComputation(IReadOnlyList<LineSplit> Lines, decimal QuotaConsumed)
{
    public decimal Total => Lines.Sum(l => l.Line.Amount);
    public decimal Fund => Lines.Sum(l => l.Fund);
    public decimal Transferred => Lines.Sum(l => l.Transferred);
    public decimal Individual => Lines.Sum(l => l.Individual);
}

/// <summary>
/// The maternity medical rules (seed 001, seed 003, domain.md), driven by the region's dated parameters:
/// <list type="bullet">
/// <item>Prenatal check: catalog items by the prenatal ratio, no deductible, up to the cap per pregnancy; the rest and the
/// part above the cap, and items outside the prenatal catalog, go to the general outpatient pool.</item>
/// <item>Childbirth and family planning: compliant items by ratio, by quota cap or by fixed amount, as the region says
/// (a category the region names no amount for is paid by ratio); items outside the catalog go to the ordinary pool.</item>
/// <item>A complication visit goes to the ordinary pool under ordinary rules; self-pay items are the person's.</item>
/// <item>A filed spouse (未就业配偶) gets the region's share of caps, amounts and ratio.</item>
/// </list>
/// Each line is rounded the region's way, so the totals are the sums of what the lines say.
/// </summary>
public static class SettlementRules
{
    public static SettlementComputation Compute(
        MedicalParameters rules, ClassifiedVisit visit, IReadOnlyList<PricedLine> lines, bool asFiledSpouse, PrenatalQuota? quota)
    {
        var share = asFiledSpouse ? rules.SpouseShare : 1m;
        return visit.Kind == VisitKind.PrenatalCheck
            ? Prenatal(rules, visit, lines, quota ?? throw new ArgumentNullException(nameof(quota), "a prenatal check needs its quota"))
            : MaternityOrFamilyPlanning(rules, visit, lines, share);
    }

    /// <summary>The cap a person has on a pregnancy: the region's cap, times a filed spouse's share.</summary>
    public static decimal PrenatalCap(MedicalParameters rules, decimal registeredCap, bool asFiledSpouse) =>
        asFiledSpouse ? rules.Round(registeredCap * rules.SpouseShare) : registeredCap;

    private static SettlementComputation Prenatal(MedicalParameters rules, ClassifiedVisit visit, IReadOnlyList<PricedLine> lines, PrenatalQuota quota)
    {
        var remaining = quota.Remaining;
        var splits = new List<LineSplit>(lines.Count);
        foreach (var (line, item) in lines)
        {
            if (Common(visit, line, item) is { } decided) { splits.Add(decided); continue; }
            if (item.Coverage != CatalogCoverage.Prenatal)
            {
                splits.Add(new LineSplit(line, Pool.GeneralOutpatient, "outside-prenatal-catalog", 0, line.Amount, Pool.GeneralOutpatient, 0,
                    $"{item.Name} is not in the prenatal catalog: {line.Amount:0.00} to the general outpatient pool"));
                continue;
            }
            var due = rules.Round(line.Amount * rules.PrenatalRatio);
            var paid = Math.Min(due, remaining);
            remaining -= paid;
            var rest = line.Amount - paid;
            var explanation = paid == due
                ? $"prenatal catalog at {Percent(rules.PrenatalRatio)}, no deductible: fund {paid:0.00}" + (rest > 0 ? $", {rest:0.00} to the general outpatient pool" : "")
                : $"prenatal cap {quota.Cap:0.00} per pregnancy reached: fund {paid:0.00} (remaining quota), {rest:0.00} to the general outpatient pool";
            splits.Add(new LineSplit(line, paid > 0 ? Pool.PrenatalChannel : Pool.GeneralOutpatient, paid == due ? "prenatal-catalog" : "prenatal-cap",
                paid, rest, rest > 0 ? Pool.GeneralOutpatient : null, 0, explanation));
        }
        return new SettlementComputation(splits, quota.Remaining - remaining);
    }

    private static SettlementComputation MaternityOrFamilyPlanning(MedicalParameters rules, ClassifiedVisit visit, IReadOnlyList<PricedLine> lines, decimal share)
    {
        var category = visit.Category!.Value;
        var mode = rules.PaymentMode switch
        {
            MedicalPaymentMode.QuotaCap when rules.QuotaCaps.ContainsKey(category) => MedicalPaymentMode.QuotaCap,
            MedicalPaymentMode.FixedAmount when rules.FixedAmounts.ContainsKey(category) => MedicalPaymentMode.FixedAmount,
            _ => MedicalPaymentMode.Ratio,
        };
        var ratio = mode == MedicalPaymentMode.Ratio ? rules.Ratio * share : rules.Ratio;
        var compliant = lines.Where(l => IsCompliant(visit, l.Item)).Sum(l => l.Line.Amount);
        var limit = mode switch
        {
            MedicalPaymentMode.QuotaCap => rules.Round(rules.QuotaCaps[category] * share),
            MedicalPaymentMode.FixedAmount => Math.Min(rules.Round(rules.FixedAmounts[category] * share), compliant),
            _ => decimal.MaxValue,
        };
        var remaining = limit;
        var splits = new List<LineSplit>(lines.Count);
        foreach (var (line, item) in lines)
        {
            if (Common(visit, line, item) is { } decided) { splits.Add(decided); continue; }
            if (!IsCompliant(visit, item))
            {
                splits.Add(new LineSplit(line, visit.OrdinaryPool(), "outside-maternity-catalog", 0, line.Amount, visit.OrdinaryPool(), 0,
                    $"{item.Name} is outside the maternity catalog: {line.Amount:0.00} to the {Describe(visit.OrdinaryPool())} pool"));
                continue;
            }
            var due = mode == MedicalPaymentMode.FixedAmount ? line.Amount : rules.Round(line.Amount * ratio);
            var paid = Math.Min(due, remaining);
            remaining -= paid;
            var individual = line.Amount - paid;
            var (rule, explanation) = mode switch
            {
                MedicalPaymentMode.FixedAmount => ("maternity-fixed-amount",
                    $"fixed amount {limit:0.00} for {category} (of compliant costs {compliant:0.00}): fund {paid:0.00}, person {individual:0.00}"),
                MedicalPaymentMode.QuotaCap when paid < due => ("maternity-over-quota",
                    $"quota cap {limit:0.00} for {category} reached: fund {paid:0.00}, person {individual:0.00}"),
                MedicalPaymentMode.QuotaCap => ("maternity-quota-cap",
                    $"{Percent(ratio)} of compliant costs within the {limit:0.00} cap for {category}: fund {paid:0.00}, person {individual:0.00}"),
                _ => ("maternity-ratio", $"{Percent(ratio)} of compliant costs, no deductible: fund {paid:0.00}, person {individual:0.00}"),
            };
            splits.Add(new LineSplit(line, Pool.Maternity, rule, paid, 0, null, individual, explanation));
        }
        return new SettlementComputation(splits, 0);
    }

    /// <summary>The rules every visit shares: self-pay items, and complications under ordinary rules.</summary>
    private static LineSplit? Common(ClassifiedVisit visit, FeeLine line, CatalogItem item)
    {
        if (item.Coverage == CatalogCoverage.SelfPay)
            return new LineSplit(line, Pool.SelfPay, "self-pay", 0, 0, null, line.Amount, $"{item.Name} is not covered: the person pays {line.Amount:0.00}");
        if (visit.Complication)
            return new LineSplit(line, visit.OrdinaryPool(), "complication-ordinary-rules", 0, line.Amount, visit.OrdinaryPool(), 0,
                $"a pregnancy complication is paid under ordinary medical-insurance rules: {line.Amount:0.00} to the {Describe(visit.OrdinaryPool())} pool");
        return null;
    }

    /// <summary>Childbirth and family planning pay compliant items: the maternity items and the prenatal catalog's.</summary>
    private static bool IsCompliant(ClassifiedVisit visit, CatalogItem item) =>
        item.Coverage is CatalogCoverage.Maternity or CatalogCoverage.Prenatal && visit.Kind != VisitKind.PrenatalCheck;

    private static string Percent(decimal share) => (share * 100).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static string Describe(Pool pool) => pool == Pool.GeneralInpatient ? "general inpatient" : "general outpatient";
}
