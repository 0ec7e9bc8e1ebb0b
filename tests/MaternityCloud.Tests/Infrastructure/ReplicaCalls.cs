using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using MaternityCloud.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>How calls spread over a service's replicas, as each replica's /metrics counts them, and a balanced channel.</summary>
public static class ReplicaCalls
{
    /// <summary>
    /// The gRPC calls of <paramref name="method"/> each replica has answered since it started: the count of OpenTelemetry's
    /// rpc.server.call.duration histogram in the replica's Prometheus page.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountAsync(RunningPlatform platform, string service, string method)
    {
        // Seventeen processes on two cores under load: a scrape can wait its turn for many seconds, so it is patient and
        // asked again, as a scraper would at its next interval.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var counts = new Dictionary<string, long>();
        foreach (var replica in platform.Replicas(service))
        {
            var page = "";
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    page = await http.GetStringAsync(new Uri(platform.Endpoint(replica, "http"), "/metrics"));
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && attempt < 3) { }
            }
            counts[replica] = page.Split('\n')
                .Where(l => l.StartsWith("rpc_server_call_duration_seconds_count{", StringComparison.Ordinal) && l.Contains($"rpc_method=\"{method}\"", StringComparison.Ordinal))
                .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }
        return counts;
    }

    /// <summary>
    /// One channel over every replica of <paramref name="service"/>, balancing call by call (gRPC's round_robin over a
    /// static list), as a hospital's system in front of several replicas would: a replica that is down is skipped.
    /// </summary>
    public static CallInvoker BalancedChannel(RunningPlatform platform, string service)
    {
        var addresses = platform.Replicas(service).Select(r => platform.Endpoint(r, "grpc")).Select(u => new BalancerAddress(u.Host, u.Port)).ToList();
        var services = new ServiceCollection()
            .AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses))
            .BuildServiceProvider();
        return GrpcChannel.ForAddress($"static:///{service}", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceProvider = services,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
        }).CreateCallInvoker();
    }
}
