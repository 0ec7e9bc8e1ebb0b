using System.Security.Cryptography;
using MaternityCloud.AppHost.Dashboard.Telemetry;

namespace MaternityCloud.AppHost.Dashboard;

/// <summary>
/// Where the dashboard listens and who may use it. The administrator's sign-in credential and the OTLP API key are made
/// fresh at every start unless configuration gives them (Dashboard__Token, Dashboard__OtlpApiKey), like Aspire's browser
/// token and ApiKey mode; any operator credential of the platform's issuer signs in too.
/// </summary>
public sealed record DashboardOptions
{
    /// <summary>The operators' web page and its JSON API (HTTP/1.1).</summary>
    public required int Port { get; init; }
    /// <summary>OTLP over gRPC (standard 4317).</summary>
    public required int OtlpGrpcPort { get; init; }
    /// <summary>OTLP over HTTP with protobuf bodies (standard 4318).</summary>
    public required int OtlpHttpPort { get; init; }
    /// <summary>The credential printed in the sign-in link: an administrator's.</summary>
    public required string Token { get; init; }
    /// <summary>The platform issuer's public key (PEM): operators' credentials are checked against it.</summary>
    public required string IssuerPublicKey { get; init; }
    /// <summary>The dashboard's own credential for the services' GetOperationsSummary.</summary>
    public string? ServiceCredential { get; init; }
    /// <summary>Empty: OTLP is accepted from anyone who can reach the loopback port.</summary>
    public string? OtlpApiKey { get; init; }
    public TelemetryOptions Telemetry { get; init; } = new();

    public string Url => $"http://127.0.0.1:{Port}";
    public string LoginUrl => $"{Url}/login?t={Token}";
    public string OtlpGrpcUrl => $"http://127.0.0.1:{OtlpGrpcPort}";
    public string OtlpHttpUrl => $"http://127.0.0.1:{OtlpHttpPort}";

    public static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
