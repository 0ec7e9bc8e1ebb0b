using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace MaternityCloud.Hosting.Servers;

/// <summary>
/// PostgreSQL from the machine's packages: its data under the state folder, on loopback, its password made on first
/// run and kept beside the data. As root it runs as the package's 'postgres' user (PostgreSQL refuses root).
/// </summary>
public sealed class PostgresServerResource(string name, string workingDirectory, string password)
    : ExecutableResource(name, "/bin/sh", workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres;Password={password}");
}

/// <summary>A database on a PostgreSQL server (ours or one given by connection string), created when missing.</summary>
public sealed class PostgresDatabaseResource(string name, IResourceWithConnectionString server)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public string DatabaseName => Name;
    public IResourceWithConnectionString Parent => server;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{server.ConnectionStringExpression};Database={DatabaseName}");
}

public static class PostgresBuilderExtensions
{
    /// <summary>
    /// The platform's PostgreSQL: the server given as <c>ConnectionStrings__{name}</c> if there is one, else a local
    /// server on <paramref name="port"/> (a free one when ports are dynamic). Server settings come from
    /// <paramref name="settings"/> and then the configuration section <c>{name}:Settings</c> (e.g.
    /// <c>postgres__Settings__shared_buffers=1GB</c>), passed as <c>-c key=value</c>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalPostgres(this IDistributedApplicationBuilder builder,
        string name, int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        if (builder.Configuration.GetConnectionString(name) is { Length: > 0 })
            return builder.AddConnectionString(name);

        var state = PlatformState.Of(builder);
        var directory = DataRoot(state, name);
        var password = PasswordOf(directory);
        var bin = Path.GetDirectoryName(MachinePrograms.Find("postgres", "postgresql",
            Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending(StringComparer.Ordinal).Select(d => Path.Combine(d, "bin", "postgres")).ToArray()
                : []))!;
        port = state.Port(port);
        var serverSettings = new Dictionary<string, string> { ["max_connections"] = "500", ["listen_addresses"] = "127.0.0.1" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) serverSettings[key] = value;
        foreach (var setting in builder.Configuration.GetSection($"{name}:Settings").GetChildren())
            if (setting.Value is { Length: > 0 } value) serverSettings[setting.Key] = value;

        var server = new PostgresServerResource(name, directory, password);
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async ct =>
            await CanQueryAsync(await server.ConnectionStringExpression.GetValueAsync(ct), ct)
                ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("PostgreSQL does not answer"));

        // A shell in front of postgres turns the orchestrator's SIGTERM into PostgreSQL's fast shutdown (SIGINT):
        // committed data is on disk, sessions are ended, and it does not wait for clients to disconnect.
        var postgres = RunAs(Path.Combine(bin, "postgres"));
        var command = $"{postgres} -D \"$1\" -p {port} -k \"$2\" {string.Join(' ', serverSettings.Select(s => $"-c {s.Key}={s.Value}"))}";
        return builder.AddResource(server)
            .WithArgs("-c", $"trap 'kill -INT $pid' TERM INT; {command} & pid=$!; wait $pid; wait $pid", "postgres",
                Path.Combine(directory, "data"), Path.Combine(directory, "run"))
            .WithEndpoint(port: port, targetPort: port, name: PostgresServerResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithHealthCheck(healthCheck)
            .WithIconName("Database")
            .OnBeforeResourceStarted((resource, _, ct) => InitializeAsync(bin, directory, ct));
    }

    /// <summary>A database on the server, as a child resource; it is created once the server answers.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<IResourceWithConnectionString> server, string name)
    {
        var builder = server.ApplicationBuilder;
        var database = new PostgresDatabaseResource(name, server.Resource);
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async ct =>
        {
            try
            {
                await EnsureDatabaseAsync(await server.Resource.ConnectionStringExpression.GetValueAsync(ct), name, ct);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy($"database {name} is not reachable: {e.Message}");
            }
        });
        var resource = builder.AddResource(database)
            .WithHealthCheck(healthCheck)
            .WithIconName("DatabaseStack")
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", Properties = [], State = KnownResourceStates.Starting });
        // Not a process: it is running once its server is, which is what its health check then confirms.
        builder.Eventing.Subscribe<BeforeStartEvent>((e, ct) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            _ = Task.Run(async () =>
            {
                if (server.Resource is PostgresServerResource)
                    await notifications.WaitForResourceAsync(server.Resource.Name, KnownResourceStates.Running);
                await notifications.PublishUpdateAsync(database, s => s with { State = KnownResourceStates.Running });
            });
            return Task.CompletedTask;
        });
        return resource;
    }

    /// <summary>initdb on first run, with the password file; as root, the folder is handed to the postgres user first.</summary>
    private static async Task InitializeAsync(string bin, string directory, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(directory, "run"));
        if (PlatformState.RunningAsRoot) await MachinePrograms.RunAsync("chown", ["-R", "postgres:postgres", directory], ct);
        if (File.Exists(Path.Combine(directory, "data", "PG_VERSION"))) return;
        var initdb = RunAs(Path.Combine(bin, "initdb")).Split(' ');
        await MachinePrograms.RunAsync(initdb[0],
            [.. initdb[1..], "-D", Path.Combine(directory, "data"), "-U", "postgres", "--auth=scram-sha-256",
             $"--pwfile={Path.Combine(directory, "password")}", "-E", "UTF8", "--locale=C.UTF-8"], ct);
    }

    private static string RunAs(string program) =>
        PlatformState.RunningAsRoot ? $"setpriv --reuid=postgres --regid=postgres --init-groups -- {program}" : program;

    private static string PasswordOf(string directory)
    {
        var file = Path.Combine(directory, "password");
        if (!File.Exists(file))
        {
            File.WriteAllText(file, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant());
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return File.ReadAllText(file).Trim();
    }

    private static async Task<bool> CanQueryAsync(string? connectionString, CancellationToken ct)
    {
        try
        {
            // No pooling: a pooled idle connection of the check would make PostgreSQL's shutdown wait for it.
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 2 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Creates the database when missing (as Aspire's AddDatabase does); true once it accepts a query.</summary>
    public static async Task EnsureDatabaseAsync(string? serverConnectionString, string databaseName, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(serverConnectionString) { Pooling = false, Timeout = 3, Database = "postgres" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = databaseName } },
        };
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{databaseName.Replace("\"", "\"\"")}\"", connection);
        try { await create.ExecuteNonQueryAsync(ct); }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase) { } // created meanwhile
    }

    /// <summary>
    /// The data folder lives under the state folder, unless (as root) the 'postgres' user could not reach it because a
    /// parent folder is closed to others (a checkout under /root): then under /var/tmp, named after the state folder.
    /// </summary>
    private static string DataRoot(PlatformState state, string name)
    {
        var preferred = state.ResourceDirectory(name);
        if (!PlatformState.RunningAsRoot || TraversableByOthers(preferred)) return preferred;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(preferred)))[..12].ToLowerInvariant();
        var fallback = Path.Combine("/var/tmp/maternitycloud", hash, name);
        Directory.CreateDirectory(fallback);
        File.SetUnixFileMode("/var/tmp/maternitycloud", (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.GetDirectoryName(fallback)!, (UnixFileMode)0b111_101_101);
        return fallback;
    }

    private static bool TraversableByOthers(string path)
    {
        for (var dir = new DirectoryInfo(path).Parent; dir is not null; dir = dir.Parent)
        {
            if ((dir.UnixFileMode & UnixFileMode.OtherExecute) == 0) return false;
        }
        return true;
    }
}
