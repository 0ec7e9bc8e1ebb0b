using BenchmarkDotNet.Attributes;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Enrollment.Domain;

namespace MaternityCloud.Bench;

/// <summary>
/// The pure eligibility decision, against a baseline of building the same facts: what the rules themselves cost on
/// top of the data they read (a cache miss costs this plus one database round trip).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessShortRun))]
public class EligibilityRulesBench
{
    private readonly DateOnly _date = new(2026, 6, 15);
    private RegionPolicy _policy = null!;
    private EligibilityFacts _facts = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var stream = typeof(RegionPolicyDocument).Assembly.GetManifestResourceStream("Regions.330300-2024-01-01.json")!;
        _policy = RegionPolicyDocument.Parse(new StreamReader(stream).ReadToEnd(), 1);
        _facts = Facts();
    }

    private EligibilityFacts Facts()
    {
        var months = Enumerable.Range(1, 24).Select(i => new ContributionMonth(new DateOnly(2026, 6, 1).AddMonths(-i), true, false)).ToList();
        var period = new InsurancePeriod(InsuredKind.Employee, null, new DateOnly(2015, 1, 1), null, new DateOnly(2015, 1, 1), "bench", "330300");
        return new EligibilityFacts(new InsuranceRecord([period], months), null, null);
    }

    [Benchmark(Baseline = true)]
    public EligibilityFacts BuildFacts() => Facts();

    [Benchmark]
    public EligibilityDecision Decide() => EligibilityRules.Decide(_facts, Benefit.Allowance, _date, _policy);
}
