namespace MaternityCloud.Tests.Infrastructure;

/// <summary>Tests that each run a whole AppHost take turns: two platforms at once would starve two cores.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    public const string Name = "apphost";
}
