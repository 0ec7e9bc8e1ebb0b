using System.Security.Cryptography;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;
using System.Runtime.CompilerServices;
using Aspire.Hosting;
using Microsoft.Extensions.Configuration;

namespace MaternityCloud.Hosting;

/// <summary>
/// The platform's credential issuer in development: its key is made on first run in the state folder
/// (<c>.state/credentials/issuer.key</c>, owner-only) and never committed; <c>Auth__IssuerKeyFile</c> points at another.
/// </summary>
public sealed class DevelopmentIssuer(ECDsa key, string keyFile)
{
    public string KeyFile { get; } = keyFile;
    public string PublicKeyPem { get; } = key.ExportSubjectPublicKeyInfoPem();

    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, DevelopmentIssuer> Issuers = new();

    /// <summary>The platform's issuer: the key in the state folder, or the one <c>Auth__IssuerKeyFile</c> names.</summary>
    public static DevelopmentIssuer Of(IDistributedApplicationBuilder builder) =>
        Issuers.GetValue(builder, b => From(b.Configuration, PlatformState.Of(b).StateDirectory));

    public static DevelopmentIssuer From(IConfiguration configuration, string stateDirectory)
    {
        var file = configuration["Auth:IssuerKeyFile"] is { Length: > 0 } given
            ? Path.GetFullPath(given)
            : Path.Combine(stateDirectory, "credentials", "issuer.key");
        return new DevelopmentIssuer(IssuerKeyFile.LoadOrCreate(file), file);
    }

    public string Issue(Caller caller, TimeSpan lifetime) => PlatformCredentials.Issue(key, caller, lifetime);
}
