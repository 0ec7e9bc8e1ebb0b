using System.Collections.Frozen;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// Every loaded version of every region, swapped as a whole when a version is loaded, so a reader never sees half a
/// reload. <see cref="Generation"/> changes whenever the set changes: caches key their answers with it.
/// </summary>
public sealed class RegionPolicyCatalog
{
    private sealed record Snapshot(FrozenDictionary<string, RegionPolicy[]> ByRegion, long Generation);

    private volatile Snapshot _snapshot = new(FrozenDictionary<string, RegionPolicy[]>.Empty, 0);

    /// <summary>
    /// The sum of the stored version ids loaded: versions are only ever added, so each one makes it larger, even one
    /// whose id is lower than a version another replica committed first (the highest id alone would miss it for good).
    /// </summary>
    public long Generation => _snapshot.Generation;

    public IReadOnlyCollection<string> Regions => _snapshot.ByRegion.Keys;

    public IReadOnlyList<RegionPolicy> Versions(string region) =>
        _snapshot.ByRegion.TryGetValue(region, out var versions) ? versions : [];

    /// <summary>The version in force in <paramref name="region"/> on <paramref name="date"/>.</summary>
    public PolicyResolution Resolve(string region, DateOnly date)
    {
        if (!_snapshot.ByRegion.TryGetValue(region, out var versions))
            return new PolicyResolution(null, UnknownRegion(region));
        for (var i = versions.Length - 1; i >= 0; i--)
            if (versions[i].EffectiveFrom <= date) return new PolicyResolution(versions[i], null);
        return new PolicyResolution(null,
            $"region {region} has no parameters in force on {date:yyyy-MM-dd} (its first version starts {versions[0].EffectiveFrom:yyyy-MM-dd})");
    }

    /// <summary>
    /// The version in force in a region the facts name (a person's insurance record), or refused by the rule
    /// <c>region-policy-missing</c>: the region's parameters are not loaded for that date, and nobody can be judged by them.
    /// </summary>
    public RegionPolicy InForce(string region, DateOnly date)
    {
        var resolution = Resolve(region, date);
        return resolution.Policy ?? throw new MaternityCloud.BuildingBlocks.Domain.RuleViolationException("region-policy-missing", resolution.Error!);
    }

    internal static string UnknownRegion(string region) => $"unknown region '{region}': no parameter set has been loaded for it";

    internal void Replace(IEnumerable<RegionPolicy> policies)
    {
        var all = policies.ToList();
        var byRegion = all.GroupBy(p => p.Region)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(p => p.EffectiveFrom).ToArray());
        _snapshot = new Snapshot(byRegion, all.Sum(p => p.VersionId));
    }
}

/// <summary>Either the version in force, or why there is none (unknown region, or nothing in force yet).</summary>
public sealed record PolicyResolution(RegionPolicy? Policy, string? Error);

public static class RegionValidation
{
    /// <summary>
    /// The version in force, or a field violation naming the region (unknown, or nothing in force on that date). When
    /// the date itself was invalid (<paramref name="date"/> null) only the region's existence is checked.
    /// </summary>
    public static RegionPolicy? Region(this MaternityCloud.BuildingBlocks.Domain.Validator v, RegionPolicyCatalog catalog, string field, string? region, DateOnly? date)
    {
        var code = (region ?? "").Trim();
        if (code.Length == 0)
        {
            v.Add(field, "is required (a 6-digit pooling region code)");
            return null;
        }
        if (date is null)
        {
            if (catalog.Versions(code).Count == 0) v.Add(field, RegionPolicyCatalog.UnknownRegion(code));
            return null;
        }
        var resolution = catalog.Resolve(code, date.Value);
        if (resolution.Policy is null) v.Add(field, resolution.Error!);
        return resolution.Policy;
    }
}
