using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MaternityCloud.BuildingBlocks.Domain;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// A service in process on a test server, configured exactly as the AppHost configures the real process
/// (ConnectionStrings:*, Redis:KeyPrefix), plus fast retries so failure paths finish quickly.
/// </summary>
public sealed class ServiceHost<TEntryPoint>(
    Isolation isolation, IReadOnlyDictionary<string, string>? overrides = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<TEntryPoint> where TEntryPoint : class
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (name, value) in isolation.ConnectionStrings) builder.UseSetting($"ConnectionStrings:{name}", value);
        builder.UseSetting("Redis:KeyPrefix", isolation.RedisKeyPrefix);
        builder.UseSetting("Messaging:RetryLimit", "2");
        builder.UseSetting("Messaging:RetryMinInterval", "00:00:00.050");
        builder.UseSetting("Messaging:RetryMaxInterval", "00:00:00.200");
        builder.UseSetting("Messaging:OutboxMaxBackoff", "00:00:01");
        builder.UseSetting("Messaging:PublishTimeout", "00:00:03");
        builder.UseSetting("Auth:IssuerPublicKey", TestCredentials.IssuerPublicKeyPem);
        builder.UseSetting("Auth:Credential", TestCredentials.For(Caller.Service(ServiceName)));
        // Enrollment starts with the designated institutions the tests settle at (the registry's seed, as in development).
        builder.UseSetting("Enrollment:InstitutionSeed", Path.Combine(AppContext.BaseDirectory, "institutions.json"));
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
        if (services is not null) builder.ConfigureTestServices(services);
    }

    /// <summary>
    /// Points a platform gRPC client of the service under test (AddPlatformClient) at another in-process service: discovery
    /// resolves the name to that test server's address and its handler carries the calls.
    /// </summary>
    public static Action<IServiceCollection> Calls<TClient, TOther>(ServiceHost<TOther> other) where TClient : class where TOther : class =>
        services => services.AddGrpcClient<TClient>().ConfigurePrimaryHttpMessageHandler(() => other.Server.CreateHandler());

    /// <summary>Calls with the credential of whoever each request says acts (see TestCredentials.ActAsTheRequestSays).</summary>
    public CallInvoker Channel() => RawChannel().Intercept(new TestCredentials.ActAsTheRequestSays());

    /// <summary>Calls as <paramref name="caller"/>, whatever the requests say.</summary>
    public CallInvoker Channel(Caller caller) => RawChannel().Intercept(headers =>
    {
        headers.Add("authorization", "Bearer " + TestCredentials.For(caller));
        return headers;
    });

    /// <summary>Calls with no credential at all.</summary>
    public GrpcChannel RawChannel() =>
        GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    /// <summary>An HTTP client presenting an administrator's credential (for the JSON endpoints).</summary>
    public HttpClient CreateOperatorClient(Caller? caller = null)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestCredentials.For(caller ?? TestCredentials.Administrator));
        return http;
    }

    private static string ServiceName => typeof(TEntryPoint).Namespace!.Split('.')[1].ToLowerInvariant();
}
