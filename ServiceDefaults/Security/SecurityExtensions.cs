using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.ServiceDefaults.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class SecurityExtensions
{
    public const string IssuerPublicKeySetting = "Auth:IssuerPublicKey";
    public const string CredentialSetting = "Auth:Credential";

    /// <summary>
    /// Puts the service's gRPC methods behind credentials and the rules in <paramref name="table"/>. The issuer's
    /// public key (<c>Auth:IssuerPublicKey</c>, PEM) is required: a service that cannot check credentials does not start.
    /// </summary>
    public static IHostApplicationBuilder AddMethodAccess(this IHostApplicationBuilder builder, params MethodAccessTable[] tables)
    {
        var publicKey = builder.Configuration[IssuerPublicKeySetting];
        if (string.IsNullOrWhiteSpace(publicKey))
            throw new InvalidOperationException(
                $"{IssuerPublicKeySetting} is missing: set Auth__IssuerPublicKey to the platform issuer's public key (PEM); the AppHost does in development.");
        builder.Services.AddSingleton(new CredentialVerifier(publicKey));
        foreach (var table in tables) builder.Services.AddSingleton(table);
        return builder;
    }
}

/// <summary>Presents the service's own credential (<c>Auth:Credential</c>) on its calls to other platform services.</summary>
internal sealed class PlatformCredentialHandler(IConfiguration configuration) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (configuration[SecurityExtensions.CredentialSetting] is { Length: > 0 } credential && request.Headers.Authorization is null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential);
        return base.SendAsync(request, cancellationToken);
    }
}
