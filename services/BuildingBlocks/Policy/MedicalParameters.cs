using MaternityCloud.Contracts.Codes;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// The maternity medical rules a region sets (seed 001 Wenzhou, domain.md "Parameters a region sets"): how the prenatal
/// channel pays, how childbirth and family planning are paid (ratio, quota cap or fixed amount), what a filed spouse
/// receives, cross-region settlement, rounding, and the catalog of items hospitals may bill.
/// </summary>
public sealed record MedicalParameters(
    decimal PrenatalCapPerPregnancy,
    decimal PrenatalRatio,
    bool PrenatalRegistrationRequired,
    MedicalPaymentMode PaymentMode,
    decimal Ratio,
    IReadOnlyDictionary<BenefitCategory, decimal> QuotaCaps,
    IReadOnlyDictionary<BenefitCategory, decimal> FixedAmounts,
    decimal SpouseShare,
    CrossRegionRules CrossRegion,
    RoundingMode RoundingMode,
    ItemCatalog Catalog)
{
    /// <summary>An amount rounded to the fen the region's way.</summary>
    public decimal Round(decimal amount) => RoundingMode.Round(amount);
}

/// <summary>How the fund pays childbirth and family-planning costs (生育医疗费用支付方式).</summary>
public enum MedicalPaymentMode
{
    /// <summary>按比例: the compliant costs times the ratio, no deductible.</summary>
    Ratio,
    /// <summary>限额: by ratio up to a cap per category; above the cap the person pays.</summary>
    QuotaCap,
    /// <summary>定额: a lump sum per category, never more than the compliant costs.</summary>
    FixedAmount,
}

public static class Rounding
{
    public static decimal Round(this RoundingMode mode, decimal amount) => mode switch
    {
        RoundingMode.Down => decimal.Round(amount, 2, MidpointRounding.ToZero),
        RoundingMode.HalfEven => decimal.Round(amount, 2, MidpointRounding.ToEven),
        _ => decimal.Round(amount, 2, MidpointRounding.AwayFromZero),
    };
}

public enum RoundingMode
{
    /// <summary>Half away from zero (四舍五入), the default.</summary>
    HalfUp,
    /// <summary>Cut at the fen (舍去).</summary>
    Down,
    /// <summary>Banker's rounding.</summary>
    HalfEven,
}


/// <summary>
/// Direct settlement away from home (异地就医): within the province by default, across provinces only with a filing
/// (备案). The insured region's maternity rules apply either way.
/// </summary>
public sealed record CrossRegionRules(bool InProvinceDirect, bool CrossProvinceRequiresFiling);

/// <summary>Which pool an item of the catalog belongs to.</summary>
public enum CatalogCoverage
{
    /// <summary>In the prenatal catalog (产前检查范围): paid by the prenatal channel up to the cap.</summary>
    Prenatal,
    /// <summary>A compliant childbirth or family-planning item: paid by the maternity rules.</summary>
    Maternity,
    /// <summary>Outside the maternity catalog (e.g. assisted reproduction): the ordinary medical-insurance pool pays it.</summary>
    General,
    /// <summary>Not covered at all (丙类/特需): the person pays it.</summary>
    SelfPay,
}

/// <summary>
/// One billable item: its national medical-service code, name, pool, the prenatal visits it belongs to (1–12; empty
/// for optional items), and the limits the intelligent audit checks: quantity per line, times per pregnancy.
/// </summary>
public sealed record CatalogItem(
    string Code, string Name, CatalogCoverage Coverage, IReadOnlyList<int> Visits, decimal MaxQuantity, int? MaxPerPregnancy);

/// <summary>The region's catalog, by item code.</summary>
public sealed class ItemCatalog(IReadOnlyDictionary<string, CatalogItem> items)
{
    public static readonly ItemCatalog Empty = new(new Dictionary<string, CatalogItem>());

    public IReadOnlyCollection<CatalogItem> Items => (IReadOnlyCollection<CatalogItem>)items.Values;

    public CatalogItem? Find(string code) => items.GetValueOrDefault(code);
}

/// <summary>Manual reimbursement (零星报销): the rules per item.</summary>
public sealed record ReimbursementParameters(IReadOnlyDictionary<ReimbursementItem, ReimbursementItemRules> Items);

/// <summary>What a manual reimbursement case (零星报销) is for.</summary>
public enum ReimbursementItem
{
    PrenatalCheck = 1,
    Childbirth = 2,
    FamilyPlanning = 3,
}

/// <summary>The time limit (办结时限, in working days from filing) and the documents an item needs before it is accepted.</summary>
public sealed record ReimbursementItemRules(int TimeLimitWorkingDays, IReadOnlyList<string> RequiredDocuments);
