using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Claims.Domain;

/// <summary>Where the person was treated, seen from their pooling region (异地就医).</summary>
public enum SettlementScope
{
    Local,
    InProvince,
    CrossProvince,
}

public static class SettlementScopes
{
    /// <summary>
    /// Where the institution is designated (its pooling region, from the registry) seen from the person's pooling region:
    /// inside the region is local (a region code covers the divisions under it, 330300 covers 3303xx; the national
    /// baseline 000000 covers everything), the same first two digits is the same province, anything else cross-province.
    /// </summary>
    public static SettlementScope Of(string personRegion, string institutionRegion)
    {
        var significant = personRegion;
        while (significant.EndsWith("00", StringComparison.Ordinal)) significant = significant[..^2];
        if (institutionRegion.StartsWith(significant, StringComparison.Ordinal)) return SettlementScope.Local;
        return institutionRegion[..2] == personRegion[..2] ? SettlementScope.InProvince : SettlementScope.CrossProvince;
    }

    /// <summary>Whether the region's rules want a cross-region filing (异地就医备案) before a direct settlement.</summary>
    public static bool NeedsFiling(this CrossRegionRules rules, SettlementScope scope) => scope switch
    {
        SettlementScope.InProvince => !rules.InProvinceDirect,
        SettlementScope.CrossProvince => rules.CrossProvinceRequiresFiling,
        _ => false,
    };

    public static string Code(this SettlementScope scope) => scope switch
    {
        SettlementScope.InProvince => "in-province",
        SettlementScope.CrossProvince => "cross-province",
        _ => "local",
    };
}
