using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace MaternityCloud.ServiceDefaults.Grpc;

/// <summary>
/// Client-side load balancing over a Kubernetes headless Service (<c>ServiceDiscovery:AllAddresses=true</c>): a
/// discovered host name becomes one endpoint per address it resolves to (each ready pod), re-resolved every
/// <c>ServiceDiscovery:AddressRefresh</c> (10 s unless set), and service discovery's round-robin then picks one per call.
/// A plain ClusterIP Service cannot do this for gRPC: HTTP/2 keeps one connection, so every call of a caller would go to
/// the pod that connection reached. Runs after the configuration provider, so it works on what the configuration names.
/// Microsoft.Extensions.ServiceDiscovery.Dns (SRV records) would do the same; it is not served here.
/// </summary>
internal sealed partial class EveryAddressEndpointProviderFactory(IConfiguration configuration, ILogger<EveryAddressEndpointProviderFactory> logger)
    : IServiceEndpointProviderFactory
{
    public bool TryCreateProvider(ServiceEndpointQuery query, out IServiceEndpointProvider provider)
    {
        provider = new Provider(configuration.GetValue("ServiceDiscovery:AddressRefresh", TimeSpan.FromSeconds(10)), logger);
        return configuration.GetValue("ServiceDiscovery:AllAddresses", false);
    }

    private sealed class Provider(TimeSpan refresh, ILogger logger) : IServiceEndpointProvider
    {
        public async ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken ct)
        {
            var expanded = new List<ServiceEndpoint>();
            var resolvedAny = false;
            foreach (var endpoint in endpoints.Endpoints)
            {
                // Configuration gives "http://enrollment-pods:8080" as a UriEndPoint; other providers give DnsEndPoints.
                var (host, port) = endpoint.EndPoint switch
                {
                    UriEndPoint u => (u.Uri.Host, u.Uri.Port),
                    DnsEndPoint d => (d.Host, d.Port),
                    _ => ("", 0),
                };
                if (host.Length == 0 || IPAddress.TryParse(host, out _))
                {
                    expanded.Add(endpoint);
                    continue;
                }
                try
                {
                    foreach (var address in (await Dns.GetHostAddressesAsync(host, ct)).Distinct())
                        expanded.Add(ServiceEndpoint.Create(endpoint.EndPoint is UriEndPoint named
                            ? new UriEndPoint(new UriBuilder(named.Uri) { Host = address.ToString() }.Uri) // UriBuilder brackets IPv6
                            : new IPEndPoint(address, port), endpoint.Features));
                    resolvedAny = true;
                }
                catch (SocketException e)
                {
                    // No ready pod (or DNS down): keep the name, so a call fails as it would without this, and look again soon.
                    LogUnresolved(logger, host, e.Message);
                    expanded.Add(endpoint);
                }
            }
            if (resolvedAny)
            {
                endpoints.Endpoints.Clear();
                foreach (var endpoint in expanded) endpoints.Endpoints.Add(endpoint);
            }
            endpoints.AddChangeToken(new CancellationChangeToken(new CancellationTokenSource(refresh).Token));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service discovery: {Host} resolved to no address ({Reason}); asking again shortly")]
    private static partial void LogUnresolved(ILogger logger, string host, string reason);
}
