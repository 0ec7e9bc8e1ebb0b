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
    /// Compares the institution's division (the 6 digits after H) with the person's pooling region: inside the region is
    /// local (a city-level region 330300 covers 3303xx; the national baseline 000000 covers everything), the same first
    /// two digits is the same province.
    /// </summary>
    public static SettlementScope Of(string region, string institutionCode)
    {
        var division = institutionCode.Substring(1, 6);
        var significant = region;
        while (significant.EndsWith("00", StringComparison.Ordinal)) significant = significant[..^2];
        if (division.StartsWith(significant, StringComparison.Ordinal)) return SettlementScope.Local;
        return division[..2] == region[..2] ? SettlementScope.InProvince : SettlementScope.CrossProvince;
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
