using BenchmarkDotNet.Attributes;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Domain;
using MaternityCloud.Contracts.Codes;

namespace MaternityCloud.Bench;

/// <summary>
/// The settlement rules and the intelligent audit on a ten-line prenatal check, against a baseline of reading and
/// checking the same lines: what the rules cost on top of the request they work on.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessShortRun))]
public class SettlementRulesBench
{
    private RegionPolicy _policy = null!;
    private ClassifiedVisit _visit = null!;
    private List<(string, string, string, string, string)> _request = null!;
    private IReadOnlyList<PricedLine> _lines = null!;
    private readonly PrenatalQuota _quota = new(Guid.NewGuid(), 3000m, 2950m);

    [GlobalSetup]
    public void Setup()
    {
        using var stream = typeof(RegionPolicyDocument).Assembly.GetManifestResourceStream("Regions.330300-2024-01-01.json")!;
        _policy = RegionPolicyDocument.Parse(new StreamReader(stream).ReadToEnd(), 1);
        _visit = NationalCodes.ClassifyVisit("51", "7", null, 1, 20, false, false, (_, _) => { })!;
        var codes = _policy.Medical.Catalog.Items.Where(i => i.Coverage == CatalogCoverage.Prenatal).Take(10).Select(i => i.Code);
        _request = codes.Select(c => (c, "", "1", "12.50", "12.50")).ToList();
        _lines = ReadLines();
    }

    [Benchmark(Baseline = true)]
    public IReadOnlyList<PricedLine> ReadLines()
    {
        var v = new Validator();
        return FeeLines.Price(v, _policy.Medical.Catalog, _policy.Version, FeeLines.Read(v, _request, "125.00"));
    }

    [Benchmark]
    public decimal ComputeAndAudit()
    {
        var result = SettlementRules.Compute(_policy.Medical, _visit, _lines, false, _quota);
        return result.Fund + IntelligentAudit.Check(_lines, BillingHistory.None, pregnancyKnown: true).Count;
    }
}
