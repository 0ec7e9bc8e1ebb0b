using MaternityCloud.BuildingBlocks.Domain;
namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// A platform service, started from its build output with the environment Aspire would give it: its references'
/// connection strings, the endpoints of the services it calls, its Kestrel endpoints and the OTEL_* settings.
/// </summary>
public sealed class ProjectResource(string name, string projectDirectory, string assemblyName, int grpcPort, int httpPort)
    : ProcessResource(name)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public override string Type => "Project";
    public string ProjectDirectory { get; } = projectDirectory;
    public string AssemblyName { get; } = assemblyName;
    public List<IResourceWithConnectionString> ConnectionReferences { get; } = [];
    public List<ProjectResource> ServiceReferences { get; } = [];
    public Dictionary<string, string> Environment { get; } = [];
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");
    public override IReadOnlyList<Endpoint> Endpoints { get; } = [new("grpc", "http", grpcPort), new("http", "http", httpPort)];

    public string AssemblyPath => BuildLayout.AssemblyPath(ProjectDirectory, AssemblyName);

    public override async Task PrepareAsync(PlatformContext context, CancellationToken ct)
    {
        if (File.Exists(AssemblyPath)) return;
        context.Progress($"{Name}: building {AssemblyName} ({BuildLayout.Configuration})");
        await PlatformContext.RunToCompletionAsync("dotnet", ["build", ProjectDirectory, "-c", BuildLayout.Configuration, "--nologo", "-v", "q"], ct);
    }

    public override ProcessSpec CreateProcessSpec(PlatformContext context)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={InstanceId}",
        };
        if (context.OtlpEndpoint is { } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
            if (context.OtlpHeaders is { Length: > 0 } headers) environment["OTEL_EXPORTER_OTLP_HEADERS"] = headers;
            // As Aspire does for local runs: a dashboard wants seconds, not the SDK's production defaults (60 s for metrics).
            environment["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
        }
        // The issuer's public key to check callers' credentials, and the service's own credential for its calls.
        environment["Auth__IssuerPublicKey"] = context.Issuer.PublicKeyPem;
        environment["Auth__Credential"] = context.Issuer.Issue(Caller.Service(Name), TimeSpan.FromDays(30));
        foreach (var endpoint in Endpoints)
        {
            environment[$"Kestrel__Endpoints__{endpoint.Name}__Url"] = endpoint.Url;
            environment[$"Kestrel__Endpoints__{endpoint.Name}__Protocols"] = endpoint.Name == "grpc" ? "Http2" : "Http1";
        }
        foreach (var reference in ConnectionReferences)
            environment[$"ConnectionStrings__{reference.Name}"] = reference.ConnectionString;
        foreach (var service in ServiceReferences)
        {
            foreach (var endpoint in service.Endpoints)
                environment[$"services__{service.Name}__{endpoint.Name}__0"] = endpoint.Url;
        }
        foreach (var (key, value) in Environment) environment[key] = value;

        return new ProcessSpec("dotnet", [AssemblyPath], environment, ProjectDirectory)
        {
            StopTimeout = TimeSpan.FromSeconds(20),
        };
    }

    public override async Task<bool> CheckHealthAsync(CancellationToken ct)
    {
        try
        {
            using var response = await Http.GetAsync($"{GetEndpoint("http").Url}/health", ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
