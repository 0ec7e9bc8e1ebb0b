namespace MaternityCloud.Tests.Infrastructure;

/// <summary>Tests that each run a whole AppHost take turns: two platforms at once would starve two cores.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    public const string Name = "apphost";
}

/// <summary>
/// The fault suite runs alone, after every other collection: two replicas of every service are seventeen processes, and
/// with the other collections' servers and hosts beside them on two cores, PostgreSQL took over a minute to stop and a
/// replica's /metrics over ten seconds to answer.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultSuiteCollection
{
    public const string Name = "faults";
}
