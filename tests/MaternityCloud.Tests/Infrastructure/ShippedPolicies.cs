using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>The region parameter files exactly as they ship, read the way every service reads them.</summary>
public static class ShippedPolicies
{
    public const string Wenzhou = "330300";        // ratio 100 %, prenatal cap 3000
    public const string Daye = "420281";           // fixed amounts, spouse 50 %, prenatal registration required, cap 500
    public const string NationalBaseline = "000000"; // quota caps per category, cap 1000

    public static string Document(string region)
    {
        var assembly = typeof(RegionPolicyDocument).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.StartsWith($"Regions.{region}-", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        return new StreamReader(stream).ReadToEnd();
    }

    public static RegionPolicy Load(string region, Func<string, string>? edit = null) =>
        RegionPolicyDocument.Parse((edit ?? (d => d))(Document(region)), versionId: 1);
}
