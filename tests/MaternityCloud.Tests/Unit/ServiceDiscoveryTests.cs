using System.Net;
using MaternityCloud.ServiceDefaults.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ServiceDiscovery;

namespace MaternityCloud.Tests.Unit;

/// <summary>
/// Discovery as the services use it (configuration first, then ServiceDiscovery:AllAddresses): every replica the
/// configuration lists is an endpoint, and a host name stands for every address it resolves to, as a Kubernetes headless
/// Service's name does for its ready pods.
/// </summary>
public sealed class ServiceDiscoveryTests
{
    [Fact]
    public async Task Every_replica_the_configuration_lists_is_an_endpoint_in_order()
    {
        var endpoints = await EndpointsAsync(allAddresses: false,
            ("services:enrollment:grpc:0", "http://127.0.0.1:17101"), ("services:enrollment:grpc:1", "http://127.0.0.1:18101"));

        Assert.Equal(["127.0.0.1:17101", "127.0.0.1:18101"], endpoints.Select(Address));
    }

    [Fact]
    public async Task With_all_addresses_a_host_name_becomes_each_address_it_resolves_to()
    {
        var named = await EndpointsAsync(allAddresses: false, ("services:enrollment:grpc:0", "http://localhost:8080"));
        var expanded = await EndpointsAsync(allAddresses: true, ("services:enrollment:grpc:0", "http://localhost:8080"));
        var addresses = await Dns.GetHostAddressesAsync("localhost");

        Assert.Equal("localhost:8080", Address(Assert.Single(named)));
        Assert.Equal(addresses.Distinct().Select(a => new UriBuilder("http", a.ToString(), 8080).Uri).Select(u => $"{u.Host}:{u.Port}").Order(),
            expanded.Select(Address).Order());
        Assert.All(expanded, e => Assert.Equal("http", ((UriEndPoint)e.EndPoint).Uri.Scheme));
    }

    [Fact]
    public async Task With_all_addresses_an_address_stays_as_it_is()
    {
        var endpoints = await EndpointsAsync(allAddresses: true, ("services:enrollment:grpc:0", "http://127.0.0.1:17101"));

        Assert.Equal("127.0.0.1:17101", Address(Assert.Single(endpoints)));
    }

    /// <summary>Host and port, whichever kind of endpoint a provider gave.</summary>
    private static string Address(ServiceEndpoint endpoint) => endpoint.EndPoint switch
    {
        UriEndPoint u => $"{u.Uri.Host}:{u.Uri.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        DnsEndPoint d => $"{d.Host}:{d.Port}",
        var other => other.ToString()!,
    };

    private static async Task<IReadOnlyList<ServiceEndpoint>> EndpointsAsync(bool allAddresses, params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))
                .Append(KeyValuePair.Create("ServiceDiscovery:AllAddresses", (string?)(allAddresses ? "true" : "false"))))
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddServiceDiscovery()
            .AddSingleton<IServiceEndpointProviderFactory, EveryAddressEndpointProviderFactory>() // as AddServiceDefaults registers it
            .BuildServiceProvider();
        await using var resolver = services.GetRequiredService<ServiceEndpointResolver>();
        var source = await resolver.GetEndpointsAsync("http://_grpc.enrollment", CancellationToken.None);
        return source.Endpoints;
    }
}
