using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class PlatformClientExtensions
{
    /// <summary>
    /// A gRPC client of another platform service, found the Aspire way: "http://_grpc.{service}" resolves through
    /// service discovery to <c>services__{service}__grpc__0</c>, with the shared resilience handler (transient faults only)
    /// and the service's own credential (<c>Auth:Credential</c>) on every call.
    /// </summary>
    public static IHttpClientBuilder AddPlatformClient<TClient>(this IHostApplicationBuilder builder, string serviceName) where TClient : class
    {
        builder.Services.AddTransient<PlatformCredentialHandler>();
        return builder.Services.AddGrpcClient<TClient>(o => o.Address = new Uri($"http://_grpc.{serviceName}"))
            .AddHttpMessageHandler<PlatformCredentialHandler>();
    }
}
