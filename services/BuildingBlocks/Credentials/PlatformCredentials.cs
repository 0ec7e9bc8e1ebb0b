using System.Collections.Concurrent;
using System.Security.Cryptography;
using MaternityCloud.BuildingBlocks.Domain;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MaternityCloud.BuildingBlocks.Credentials;

/// <summary>
/// The platform's credentials: JWTs signed with ES256 by the platform's issuer key (the AppHost creates one in
/// development; a deployment keeps its own in its key store). Whoever holds a credential is the caller it names, so
/// identity comes from the signature, never from a request field. Verifying needs only the issuer's public key.
/// </summary>
public static class PlatformCredentials
{
    public const string Issuer = "maternitycloud-issuer";
    public const string Audience = "maternitycloud";

    public static ECDsa NewIssuerKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static string Issue(ECDsa issuerKey, Caller caller, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = caller.Id, ["kind"] = caller.Kind.ToString(), ["jti"] = Guid.NewGuid().ToString("N") };
        if (caller.Role is { } role) claims["role"] = role.ToString();
        if (caller.Site is { } site) claims["site"] = site;
        if (caller.Department is { } department) claims["department"] = department.ToString();
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now.AddMinutes(-1),
            Expires = now + lifetime,
            Claims = claims,
            // No cached signature provider: the library caches it by the key's material, so a second key object loaded from the
            // same file (the CLI loads it twice) would otherwise sign with the first one, already disposed.
            SigningCredentials = new SigningCredentials(
                new ECDsaSecurityKey(issuerKey) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } },
                SecurityAlgorithms.EcdsaSha256),
        });
    }

    /// <summary>The caller a verified credential names, or why it names none.</summary>
    internal static (Caller? Caller, string? Problem) ToCaller(IDictionary<string, object> claims)
    {
        string? Get(string name) => claims.TryGetValue(name, out var v) ? v?.ToString() : null;
        var id = Get("sub");
        if (string.IsNullOrWhiteSpace(id)) return (null, "the credential names no subject");
        if (!Enum.TryParse<CallerKind>(Get("kind"), out var kind) || !Enum.IsDefined(kind)) return (null, "the credential names no caller kind");
        if (kind == CallerKind.Department)
        {
            if (!Enum.TryParse<Department>(Get("department"), out var department) || !Enum.IsDefined(department))
                return (null, "a department's credential names no department");
            var region = Get("site");
            return region is { Length: 6 } && region.All(char.IsAsciiDigit)
                ? (Caller.OfDepartment(id, department, region), null)
                : (null, "a department's credential names no region (6 digits)");
        }
        if (kind != CallerKind.Operator) return (new Caller(kind, id), null);
        if (!Enum.TryParse<OperatorRole>(Get("role"), out var role) || !Enum.IsDefined(role)) return (null, "an operator's credential names no role");
        var site = Get("site");
        return string.IsNullOrWhiteSpace(site) ? (null, "an operator's credential names no site") : (Caller.Operator(id, role, site), null);
    }
}

/// <summary>
/// Verifies credentials against the issuer's public key (configuration <c>Auth:IssuerPublicKey</c>, PEM). A hospital
/// presents the same credential on every call, so a verified one is remembered until it expires: one signature check
/// per credential, not per call.
/// </summary>
public sealed class CredentialVerifier
{
    private const int MaxRemembered = 10_000;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;
    private readonly ConcurrentDictionary<string, (Caller Caller, DateTime Expires)> _verified = new();
    private readonly TimeProvider _time;

    public CredentialVerifier(string issuerPublicKeyPem, TimeProvider? time = null)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(issuerPublicKeyPem);
        _time = time ?? TimeProvider.System;
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = PlatformCredentials.Issuer,
            ValidAudience = PlatformCredentials.Audience,
            IssuerSigningKey = new ECDsaSecurityKey(key),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
        };
    }

    public async ValueTask<(Caller? Caller, string? Problem)> VerifyAsync(string credential)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (_verified.TryGetValue(credential, out var known))
        {
            if (known.Expires > now) return (known.Caller, null);
            _verified.TryRemove(credential, out _);
        }

        var result = await _handler.ValidateTokenAsync(credential, _parameters);
        if (!result.IsValid)
            return (null, result.Exception is SecurityTokenExpiredException ? "the credential has expired" : "the credential is not valid");
        var (caller, problem) = PlatformCredentials.ToCaller(result.Claims);
        if (caller is null) return (null, problem);

        if (_verified.Count >= MaxRemembered) _verified.Clear(); // a flood of distinct credentials costs checks, not memory
        _verified[credential] = (caller, result.SecurityToken.ValidTo);
        return (caller, null);
    }
}

/// <summary>
/// The issuer's signing key in a PEM file (PKCS#8), readable by its owner only. Development creates one on first run
/// in the AppHost's state folder; a deployment keeps its own (an HSM or key vault in production) and gives services
/// only the public half.
/// </summary>
public static class IssuerKeyFile
{
    public static ECDsa LoadOrCreate(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }
        key.Dispose();
        var created = PlatformCredentials.NewIssuerKey();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(new FileStream(path, options)))
            writer.Write(created.ExportPkcs8PrivateKeyPem());
        return created;
    }

    public static ECDsa Load(string path)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }
}
