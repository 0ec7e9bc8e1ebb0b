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
    public int ApiPort { get; }

    private PlatformBuilder(PlatformContext context, IConfiguration configuration, int apiPort)
    {
        Context = context;
        Configuration = configuration;
        ApiPort = apiPort;
    }

    /// <summary>
    /// Options: --state-dir DIR (default .state in the repository), --dynamic-ports (free ports for everything, as tests
    /// use), --api-port N (the resource API; 0 picks a free one). Anything else comes from configuration/environment.
    /// </summary>
    public static PlatformBuilder Create(string[] args, Action<string>? progress = null)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var root = BuildLayout.RepositoryRoot;
        var stateDirectory = Path.Combine(root, ".state");
        var dynamicPorts = false;
        int? apiPort = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--state-dir" when i + 1 < args.Length: stateDirectory = Path.GetFullPath(args[++i]); break;
                case "--dynamic-ports": dynamicPorts = true; break;
                case "--api-port" when i + 1 < args.Length: apiPort = int.Parse(args[++i]); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --state-dir DIR, --dynamic-ports, --api-port N");
            }
        }
        Directory.CreateDirectory(stateDirectory);
        var context = new PlatformContext
        {
            RepositoryRoot = root,
            StateDirectory = stateDirectory,
            DynamicPorts = dynamicPorts,
            OtlpEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"],
            Progress = progress ?? (line => Console.WriteLine($"[apphost] {line}")),
        };
        var port = apiPort ?? (dynamicPorts ? 0 : 17000);
        return new PlatformBuilder(context, configuration, port == 0 ? context.Port(0) : port);
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
