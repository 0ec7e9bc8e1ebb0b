using MaternityCloud.Hosting;

namespace MaternityCloud.AppHost;

/// <summary>
/// A platform service as one or more replicas. Each replica is a resource of its own ("claims", "claims-2", …): its own
/// process, ports, logs and restart, so one can be stopped or killed while the others serve. To its callers the
/// replicas are one service: a reference lists every replica's address under the service's name
/// (<c>services__claims__grpc__0</c>, <c>__1</c>, …), and service discovery spreads the calls over them, call by call.
/// Aspire's WithReplicas would put DCP's proxy in front instead, which balances connections, not calls: an HTTP/2
/// caller keeps one connection and so would send every call to one replica.
/// </summary>
public sealed class PlatformService(string name, IReadOnlyList<IResourceBuilder<ProjectResource>> replicas)
{
    /// <summary>The service's name: its first replica's resource name, its credential and its discovery name.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<IResourceBuilder<ProjectResource>> Replicas { get; } = replicas;

    /// <summary>The same configuration on every replica.</summary>
    public PlatformService Each(Action<IResourceBuilder<ProjectResource>> configure)
    {
        foreach (var replica in Replicas) configure(replica);
        return this;
    }

    /// <summary>The resource name of replica <paramref name="index"/> (0-based): the service's name, then "-2", "-3", ….</summary>
    public static string ReplicaName(string service, int index) => index == 0 ? service : $"{service}-{index + 1}";

    /// <summary>
    /// How many replicas the AppHost starts of <paramref name="service"/>: <c>Platform:Replicas:{service}</c>, else
    /// <c>Platform:Replicas</c>, else one. <c>make run REPLICAS=2</c> sets the second.
    /// </summary>
    public static int ReplicaCount(IDistributedApplicationBuilder builder, string service)
    {
        var configured = builder.Configuration[$"Platform:Replicas:{service}"] is { Length: > 0 } own ? own : builder.Configuration["Platform:Replicas"];
        if (configured is null or "") return 1;
        return int.TryParse(configured, out var n) && n is >= 1 and <= 9
            ? n
            : throw new InvalidOperationException($"Platform:Replicas for {service} is '{configured}': a whole number from 1 to 9");
    }

    /// <summary>
    /// Replica <paramref name="index"/>'s port for an endpoint whose first replica listens on <paramref name="firstPort"/>:
    /// a thousand above for each further replica (17101, 18101, 19101, …), or a free one when ports are dynamic.
    /// </summary>
    public static int ReplicaPort(PlatformState state, int firstPort, int index) => state.Port(firstPort + 1000 * index);
}

public static class PlatformServiceExtensions
{
    public static PlatformService WithReference(this PlatformService service, IResourceBuilder<IResourceWithConnectionString> resource) =>
        service.Each(r => r.WithReference(resource));

    public static PlatformService WaitFor(this PlatformService service, IResourceBuilder<IResource> resource) =>
        service.Each(r => r.WaitFor(resource));

    public static PlatformService WithReference(this PlatformService service, PlatformService other) =>
        service.Each(r => r.WithReference(other));

    /// <summary>
    /// Every replica of <paramref name="service"/> as the discovery entries Aspire writes for one resource
    /// (<c>services__{name}__{endpoint}__{i}</c>), one per replica and endpoint.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> caller, PlatformService service)
    {
        for (var i = 0; i < service.Replicas.Count; i++)
        {
            var replica = service.Replicas[i];
            foreach (var endpoint in replica.Resource.Annotations.OfType<EndpointAnnotation>())
                caller.WithEnvironment($"services__{service.Name}__{endpoint.Name}__{i}", replica.GetEndpoint(endpoint.Name));
            caller.WithRelationship(replica.Resource, "Reference");
        }
        return caller;
    }

    /// <summary>Starts once every replica of <paramref name="service"/> is healthy.</summary>
    public static IResourceBuilder<ProjectResource> WaitFor(this IResourceBuilder<ProjectResource> caller, PlatformService service)
    {
        foreach (var replica in service.Replicas) caller.WaitFor(replica);
        return caller;
    }
}
