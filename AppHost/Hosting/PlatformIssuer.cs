using System.Security.Cryptography;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;
using Microsoft.Extensions.Configuration;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// The platform's credential issuer in development: its key is made on first run in the state folder
/// (<c>.state/credentials/issuer.key</c>, owner-only) and never committed; <c>Auth__IssuerKeyFile</c> points at another.
/// </summary>
public sealed class PlatformIssuer(ECDsa key, string keyFile)
{
    public string KeyFile { get; } = keyFile;
    public string PublicKeyPem { get; } = key.ExportSubjectPublicKeyInfoPem();

    public static PlatformIssuer From(IConfiguration configuration, string stateDirectory)
    {
        var file = configuration["Auth:IssuerKeyFile"] is { Length: > 0 } given
            ? Path.GetFullPath(given)
            : Path.Combine(stateDirectory, "credentials", "issuer.key");
        return new PlatformIssuer(IssuerKeyFile.LoadOrCreate(file), file);
    }

    public string Issue(Caller caller, TimeSpan lifetime) => PlatformCredentials.Issue(key, caller, lifetime);
}
