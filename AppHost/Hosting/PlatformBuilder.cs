using MaternityCloud.AppHost.Dashboard;
using MaternityCloud.AppHost.Dashboard.Telemetry;
using MaternityCloud.BuildingBlocks.Domain;
using Microsoft.Extensions.Configuration;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// Describes the platform the way an Aspire AppHost does: named resources, references between them and what waits
/// for what. Servers are local processes unless the configuration carries their connection string
/// (ConnectionStrings__postgres, ConnectionStrings__redis, ConnectionStrings__messaging): then they are used as given.
/// </summary>
public sealed class PlatformBuilder
{
    private readonly List<Resource> _resources = [];

    public PlatformContext Context { get; }
    public IConfiguration Configuration { get; }
    public DashboardOptions Dashboard { get; }
    public int ApiPort => Dashboard.Port;

    private PlatformBuilder(PlatformContext context, IConfiguration configuration, DashboardOptions dashboard)
    {
        Context = context;
        Configuration = configuration;
        Dashboard = dashboard;
    }

    /// <summary>
    /// Options: --state-dir DIR (default .state in the repository), --dynamic-ports (free ports for everything, as tests
    /// use), --api-port N (the dashboard and its API; 0 picks a free one), --otlp-grpc-port N and --otlp-http-port N (the
    /// OTLP receiver, standard 4317 and 4318), --telemetry-retention HOURS (default 2), --persist-telemetry (keep it
    /// across restarts under the state folder). Anything else comes from configuration/environment (Dashboard__Token,
    /// Dashboard__OtlpApiKey, OTEL_EXPORTER_OTLP_ENDPOINT to send the services' telemetry elsewhere, Auth__IssuerKeyFile
    /// for the issuer's signing key instead of the one made in the state folder).
    /// </summary>
    public static PlatformBuilder Create(string[] args, Action<string>? progress = null)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var root = BuildLayout.RepositoryRoot;
        var stateDirectory = Path.Combine(root, ".state");
        var dynamicPorts = false;
        int? apiPort = null, otlpGrpcPort = null, otlpHttpPort = null;
        var retention = TimeSpan.FromHours(2);
        var persist = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--state-dir" when i + 1 < args.Length: stateDirectory = Path.GetFullPath(args[++i]); break;
                case "--dynamic-ports": dynamicPorts = true; break;
                case "--api-port" when i + 1 < args.Length: apiPort = int.Parse(args[++i]); break;
                case "--otlp-grpc-port" when i + 1 < args.Length: otlpGrpcPort = int.Parse(args[++i]); break;
                case "--otlp-http-port" when i + 1 < args.Length: otlpHttpPort = int.Parse(args[++i]); break;
                case "--telemetry-retention" when i + 1 < args.Length: retention = TimeSpan.FromHours(double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture)); break;
                case "--persist-telemetry": persist = true; break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'. Options: --state-dir DIR, --dynamic-ports, --api-port N, " +
                        "--otlp-grpc-port N, --otlp-http-port N, --telemetry-retention HOURS, --persist-telemetry");
            }
        }
        Directory.CreateDirectory(stateDirectory);
        var issuer = PlatformIssuer.From(configuration, stateDirectory);
        var context = new PlatformContext
        {
            RepositoryRoot = root,
            StateDirectory = stateDirectory,
            DynamicPorts = dynamicPorts,
            OtlpEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"],
            OtlpHeaders = configuration["OTEL_EXPORTER_OTLP_HEADERS"],
            Progress = progress ?? (line => Console.WriteLine($"[apphost] {line}")),
            Issuer = issuer,
        };
        // A port the operator gave is kept (0: a free one); otherwise the standard port, or a free one under --dynamic-ports.
        int Port(int? given, int standard) => given is { } port ? context.Claim(port) : context.Port(standard);
        var dashboard = new DashboardOptions
        {
            Port = Port(apiPort, 17000),
            OtlpGrpcPort = Port(otlpGrpcPort, 4317),
            OtlpHttpPort = Port(otlpHttpPort, 4318),
            Token = configuration["Dashboard:Token"] is { Length: > 0 } token ? token
                : issuer.Issue(Caller.Operator("apphost-administrator", OperatorRole.Administrator, "fund-centre"), TimeSpan.FromDays(1)),
            IssuerPublicKey = issuer.PublicKeyPem,
            ServiceCredential = issuer.Issue(Caller.Service("dashboard"), TimeSpan.FromDays(30)),
            OtlpApiKey = configuration["Dashboard:OtlpApiKey"] is { Length: > 0 } key ? key : DashboardOptions.NewSecret(),
            Telemetry = new TelemetryOptions { Retention = retention, PersistDirectory = persist ? Path.Combine(stateDirectory, "telemetry") : null },
        };
        return new PlatformBuilder(context, configuration, dashboard);
    }

    /// <summary>
    /// The services export their telemetry to the dashboard's receiver, with its key, unless the operator pointed them
    /// elsewhere (OTEL_EXPORTER_OTLP_ENDPOINT). Platforms run without the dashboard (tests, benchmarks) export nothing.
    /// </summary>
    public PlatformBuilder ExportTelemetryToDashboard()
    {
        if (Context.OtlpEndpoint is null)
        {
            Context.OtlpEndpoint = Dashboard.OtlpGrpcUrl;
            Context.OtlpHeaders = $"{OtlpReceiver.ApiKeyHeader}={Dashboard.OtlpApiKey}";
        }
        return this;
    }

    public PostgresServerResource AddPostgres(string name, int port) =>
        Add(new PostgresServerResource(name, Context.Port(port), Configuration.GetConnectionString(name)));

    public RedisResource AddRedis(string name, int port) =>
        Add(new RedisResource(name, Context.Port(port), Configuration.GetConnectionString(name)));

    /// <param name="ports">AMQP, management API, Erlang distribution, Erlang port mapper.</param>
    public RabbitMQResource AddRabbitMQ(string name, (int Amqp, int Management, int Distribution, int PortMapper) ports)
    {
        var external = Configuration.GetConnectionString(name);
        var epmd = external is null ? Add(new EpmdResource($"{name}-epmd", Context.Port(ports.PortMapper))) : null;
        var rabbit = new RabbitMQResource(name, Context.Port(ports.Amqp), Context.Port(ports.Management),
            Context.Port(ports.Distribution), epmd, external);
        if (epmd is not null) rabbit.WaitFor(epmd);
        return Add(rabbit);
    }

    /// <summary>A service from services/{directory}; its endpoints are "grpc" (HTTP/2 only) and "http" (HTTP/1.1).</summary>
    public ProjectResource AddProject(string name, string directory, (int Grpc, int Http) ports)
    {
        var projectDirectory = Path.Combine(Context.RepositoryRoot, "services", directory);
        return Add(new ProjectResource(name, projectDirectory, $"MaternityCloud.{directory}",
            Context.Port(ports.Grpc), Context.Port(ports.Http)));
    }

    public PostgresDatabaseResource AddDatabase(PostgresServerResource server, string databaseName)
    {
        var database = server.AddDatabase(databaseName);
        database.WaitFor(server);
        return Add(database);
    }

    private T Add<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => r.Name == resource.Name))
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        _resources.Add(resource);
        return resource;
    }

    public Platform Build() => new(Context, _resources, ApiPort);
}

public static class ResourceBuilderExtensions
{
    /// <summary>Injects the dependency's connection string (ConnectionStrings__{name}) or endpoints (services__{name}__{endpoint}__0).</summary>
    public static ProjectResource WithReference(this ProjectResource project, IResourceWithConnectionString dependency)
    {
        project.ConnectionReferences.Add(dependency);
        return project;
    }

    public static ProjectResource WithReference(this ProjectResource project, ProjectResource service)
    {
        project.ServiceReferences.Add(service);
        return project;
    }

    /// <summary>The resource starts only once the dependency reports healthy.</summary>
    public static T WaitFor<T>(this T resource, Resource dependency) where T : Resource
    {
        resource.WaitsFor.Add(dependency);
        return resource;
    }

    public static ProjectResource WithEnvironment(this ProjectResource project, string name, string value)
    {
        project.Environment[name] = value;
        return project;
    }
}
