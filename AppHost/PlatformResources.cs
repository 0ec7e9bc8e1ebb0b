using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Hosting;
using MaternityCloud.Hosting.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaternityCloud.AppHost;

/// <summary>How the AppHost adds the platform's own projects: the conventions every service shares, said once.</summary>
public static class PlatformResources
{
    /// <summary>
    /// A service with its two endpoints on loopback, not proxied (DCP's proxy would sit in every settlement's path):
    /// "grpc" (HTTP/2 only, the API) and "http" (HTTP/1.1: health, metrics, JSON, pages). It trusts the platform's issuer
    /// and calls other services with a credential of its own, and is healthy when its /health says so. It runs as
    /// <see cref="PlatformService.ReplicaCount"/> replicas (one unless configured), each on ports of its own; a stand-in
    /// that is not <paramref name="replicable"/> always runs once.
    /// </summary>
    public static PlatformService AddPlatformService<TProject>(this IDistributedApplicationBuilder builder,
        string name, (int Grpc, int Http) ports, bool replicable = true) where TProject : IProjectMetadata, new()
    {
        var state = PlatformState.Of(builder);
        var count = replicable ? PlatformService.ReplicaCount(builder, name) : 1;
        var replicas = Enumerable.Range(0, count).Select(i =>
            builder.AddProject<TProject>(PlatformService.ReplicaName(name, i), o => o.ExcludeLaunchProfile = true)
                .WithLoopbackEndpoint("grpc", PlatformService.ReplicaPort(state, ports.Grpc, i), "Http2")
                .WithLoopbackEndpoint("http", PlatformService.ReplicaPort(state, ports.Http, i), "Http1")
                .WithPlatformCredential(name) // every replica is the same service to the others' access rules
                .WithTelemetryAsDeployed()
                .WithHttpHealthCheck("/health", endpointName: "http")
                .WithRestartOnCrash()).ToList();
        return new PlatformService(name, replicas);
    }

    /// <summary>The operations web app: one HTTP endpoint, and an administrator's sign-in link printed when it is ready.</summary>
    public static IResourceBuilder<ProjectResource> AddOperations<TProject>(this IDistributedApplicationBuilder builder,
        string name, int httpPort) where TProject : IProjectMetadata, new()
    {
        var issuer = DevelopmentIssuer.Of(builder);
        var operations = builder.AddProject<TProject>(name, o => o.ExcludeLaunchProfile = true)
            .WithLoopbackEndpoint("http", PlatformState.Of(builder).Port(httpPort), "Http1")
            .WithPlatformCredential(name)
            .WithTelemetryAsDeployed()
            .WithHttpHealthCheck("/health", endpointName: "http")
            .WithRestartOnCrash()
            .WithUrlForEndpoint("http", url => url.DisplayText = "Operations: business views and error-queue replay")
            .WithIconName("DataBarVertical");
        operations.OnResourceReady((resource, e, _) =>
        {
            var credential = issuer.Issue(Caller.Operator("apphost-administrator", OperatorRole.Administrator, "fund-centre"), TimeSpan.FromDays(1));
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MaternityCloud.AppHost")
                .LogInformation("Operations (business views, error-queue replay): {Url}/login?t={Credential}",
                    resource.GetEndpoint("http").Url, credential);
            return Task.CompletedTask;
        });
        return operations;
    }

    /// <summary>
    /// The other departments' stand-in (development only): a page and a JSON API that send marriage, birth, employment,
    /// retirement, death and imprisonment records to Enrollment, each with the credential the platform's issuer gives
    /// that department for <paramref name="region"/>. A deployment issues credentials to the real departments instead.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddDepartmentsStandIn<TProject>(this IDistributedApplicationBuilder builder,
        string name, int httpPort, string region) where TProject : IProjectMetadata, new()
    {
        var issuer = DevelopmentIssuer.Of(builder);
        var departments = builder.AddProject<TProject>(name, o => o.ExcludeLaunchProfile = true)
            .WithLoopbackEndpoint("http", PlatformState.Of(builder).Port(httpPort), "Http1")
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithEnvironment("LocalDepartments__Region", region)
            .WithTelemetryAsDeployed()
            .WithHttpHealthCheck("/health", endpointName: "http")
            .WithRestartOnCrash()
            .WithUrlForEndpoint("http", url => url.DisplayText = "Departments stand-in: marriage, birth, employment, death records")
            .WithIconName("BuildingGovernment");
        foreach (var department in Enum.GetValues<Department>())
            departments.WithEnvironment($"LocalDepartments__Credentials__{department}",
                issuer.Issue(Caller.OfDepartment(DepartmentCode(department, region), department, region), TimeSpan.FromDays(30)));
        return departments;
    }

    /// <summary>A department's code in its credential: the department's initials (民政 MZ, 卫健 WJ, …) and its region.</summary>
    public static string DepartmentCode(Department department, string region) => department switch
    {
        Department.CivilAffairs => "MZ",
        Department.HealthCommission => "WJ",
        Department.HumanResources => "RS",
        Department.PublicSecurity => "GA",
        _ => "SF",
    } + region;

    /// <summary>The service's own database on the platform's PostgreSQL, created when missing; it starts once that answers.</summary>
    public static PlatformService WithDatabase(this PlatformService service,
        IResourceBuilder<IResourceWithConnectionString> postgres, string databaseName)
    {
        var database = postgres.AddDatabase(databaseName);
        return service.Each(r => r.WithReference(database).WaitFor(database));
    }

    /// <summary>A development platform starts with designated institutions to settle at; a deployment registers its own.</summary>
    public static PlatformService WithDevelopmentInstitutions(this PlatformService enrollment) =>
        enrollment.Each(r => r.WithEnvironment("Enrollment__InstitutionSeed",
            Path.Combine(PlatformState.Of(r.ApplicationBuilder).RepositoryRoot, "AppHost", "Development", "institutions.json")));

    /// <summary>Where the operations app reads queue depths: the local broker's management API (a given broker's is configured).</summary>
    public static IResourceBuilder<ProjectResource> WithBrokerManagement(this IResourceBuilder<ProjectResource> operations,
        IResourceBuilder<IResourceWithConnectionString> messaging) =>
        messaging.Resource is RabbitMQServerResource broker
            ? operations.WithEnvironment("Operations__BrokerManagementUrl", broker.Management)
            : operations;

    /// <summary>
    /// "Replay error queues" on the messaging resource in the Aspire dashboard: the operations app moves every message
    /// of every error queue back to the queue it failed on (the consumers' inboxes make a second delivery harmless).
    /// The AppHost acts as its administrator, so the replay is logged like any other.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> WithErrorQueueReplay(this IResourceBuilder<IResourceWithConnectionString> messaging,
        IResourceBuilder<ProjectResource> operations)
    {
        var issuer = DevelopmentIssuer.Of(messaging.ApplicationBuilder);
        return messaging.WithCommand("replay-error-queues", "Replay error queues", async context =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(operations.GetEndpoint("http").Url), Timeout = TimeSpan.FromMinutes(2) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/queues/replay");
            request.Headers.Authorization = new("Bearer",
                issuer.Issue(Caller.Operator("apphost-administrator", OperatorRole.Administrator, "fund-centre"), TimeSpan.FromMinutes(5)));
            using var response = await http.SendAsync(request, context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success()
                : CommandResults.Failure($"operations answered {(int)response.StatusCode}: {body}");
        }, new CommandOptions
        {
            Description = "Move every message in every _error queue back to its queue",
            IconName = "ArrowRepeatAll",
            ConfirmationMessage = "Replay every message waiting in the error queues?",
            UpdateState = context => context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });
    }

    /// <summary>An endpoint on a loopback port the caller chose (fixed, or free when ports are dynamic).</summary>
    private static IResourceBuilder<ProjectResource> WithLoopbackEndpoint(this IResourceBuilder<ProjectResource> project,
        string name, int port, string protocols) =>
        project
            .WithEndpoint(name, e =>
            {
                e.Port = port;
                e.TargetPort = port;
                e.UriScheme = "http";
                e.IsProxied = false;
                e.TargetHost = "127.0.0.1";
            }, createIfNotExists: true)
            .WithEnvironment($"Kestrel__Endpoints__{name}__Url", "http://127.0.0.1:" + port)
            .WithEnvironment($"Kestrel__Endpoints__{name}__Protocols", protocols);

    /// <summary>
    /// Telemetry as a deployment exports it, replacing Aspire's development settings (every trace, metrics every second):
    /// a share of new traces by the standard OTEL_TRACES_SAMPLER variables, AppHost configuration
    /// <c>Telemetry:TraceSampleRatio</c> (0.1 unless set; 1 keeps every trace), and metrics every
    /// <c>Telemetry:MetricExportIntervalMs</c> (10 s unless set). A call that arrives with a sampled traceparent is traced
    /// whatever the ratio. At one export a second, eight idle projects spent about a tenth of a core collecting and the
    /// dashboard receiving (docs/performance.md).
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithTelemetryAsDeployed(this IResourceBuilder<ProjectResource> project)
    {
        var configuration = project.ApplicationBuilder.Configuration;
        return project
            .WithEnvironment("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
            .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", configuration["Telemetry:TraceSampleRatio"] is { Length: > 0 } ratio ? ratio : "0.1")
            .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", configuration["Telemetry:MetricExportIntervalMs"] is { Length: > 0 } interval ? interval : "10000");
    }

    private static IResourceBuilder<ProjectResource> WithPlatformCredential(this IResourceBuilder<ProjectResource> project, string name)
    {
        var issuer = DevelopmentIssuer.Of(project.ApplicationBuilder);
        return project
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithEnvironment("Auth__IssuerPublicKey", issuer.PublicKeyPem)
            .WithEnvironment("Auth__Credential", issuer.Issue(Caller.Service(name), TimeSpan.FromDays(30)));
    }
}
