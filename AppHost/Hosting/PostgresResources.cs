using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// A PostgreSQL server from the machine's packages, its data under the state folder, on loopback; or the server a
/// given connection string points at. Stopped with SIGINT (fast shutdown: committed data is on disk).
/// </summary>
public sealed class PostgresServerResource(string name, int port, string? externalConnectionString)
    : ProcessResource(name), IResourceWithConnectionString
{
    private string _password = "";
    private string _binDirectory = "";
    private string _baseDirectory = "";

    public override string Type => "PostgreSQL";
    public override bool IsExternal => externalConnectionString is not null;
    public List<PostgresDatabaseResource> Databases { get; } = [];

    /// <summary>Server settings passed as <c>-c name=value</c> (for example shared_buffers for a benchmark).</summary>
    public Dictionary<string, string> Settings { get; } = new() { ["max_connections"] = "500" };
    public int Port { get; } = port;
    public override IReadOnlyList<Endpoint> Endpoints => IsExternal ? [] : [new("tcp", "tcp", Port)];

    public string ConnectionString => externalConnectionString
        ?? $"Host=127.0.0.1;Port={Port};Username=postgres;Password={_password}";

    public PostgresDatabaseResource AddDatabase(string databaseName)
    {
        var database = new PostgresDatabaseResource(databaseName, this);
        Databases.Add(database);
        return database;
    }

    public override async Task PrepareAsync(PlatformContext context, CancellationToken ct)
    {
        _binDirectory = Path.GetDirectoryName(PlatformContext.FindProgram("postgres", "postgresql",
            Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal)
                    .Select(d => Path.Combine(d, "bin", "postgres")).ToArray()
                : []))!;
        _baseDirectory = DataRoot(context);
        var dataDirectory = Path.Combine(_baseDirectory, "data");
        var passwordFile = Path.Combine(_baseDirectory, "password");

        if (!File.Exists(passwordFile))
        {
            await File.WriteAllTextAsync(passwordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant(), ct);
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        _password = (await File.ReadAllTextAsync(passwordFile, ct)).Trim();
        Directory.CreateDirectory(Path.Combine(_baseDirectory, "run"));

        if (context.RunningAsRoot)
            await PlatformContext.RunToCompletionAsync("chown", ["-R", "postgres:postgres", _baseDirectory], ct);

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            context.Progress($"{Name}: initializing a new data folder at {dataDirectory} (first run)");
            var (initdb, prefix) = RunAs(context, Path.Combine(_binDirectory, "initdb"));
            await PlatformContext.RunToCompletionAsync(initdb,
                [.. prefix,
                 "-D", dataDirectory, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}",
                 "-E", "UTF8", "--locale=C.UTF-8"], ct);
        }
    }

    public override ProcessSpec CreateProcessSpec(PlatformContext context)
    {
        var (file, prefix) = RunAs(context, Path.Combine(_binDirectory, "postgres"));
        return new ProcessSpec(file,
            [.. prefix, "-D", Path.Combine(_baseDirectory, "data"), "-c", "listen_addresses=127.0.0.1", "-p", Port.ToString(),
             "-k", Path.Combine(_baseDirectory, "run"), .. Settings.SelectMany(setting => new[] { "-c", $"{setting.Key}={setting.Value}" })],
            new Dictionary<string, string>(), _baseDirectory)
        {
            StopSignal = Signals.SIGINT,
        };
    }

    public override async Task<bool> CheckHealthAsync(CancellationToken ct)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 2 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>One database per service, created when missing (like Aspire's AddDatabase).</summary>
    public override async Task OnHealthyAsync(PlatformContext context, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Database = "postgres" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        foreach (var database in Databases)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
            {
                Parameters = { new NpgsqlParameter { Value = database.DatabaseName } },
            };
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName}\"", connection);
                await create.ExecuteNonQueryAsync(ct);
                context.Progress($"{Name}: created database {database.DatabaseName}");
            }
            database.Created = true;
        }
    }

    // PostgreSQL refuses to run as root: as root it runs as the 'postgres' user the Debian package creates.
    private static (string File, string[] Arguments) RunAs(PlatformContext context, string program) =>
        context.RunningAsRoot
            ? ("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program])
            : (program, []);

    /// <summary>
    /// The data folder lives under the state folder, unless (as root) the 'postgres' user could not reach it because a
    /// parent folder is closed to others (a checkout under /root): then under /var/tmp, named after the state folder.
    /// </summary>
    private string DataRoot(PlatformContext context)
    {
        var preferred = context.ResourceDirectory(Name);
        if (!context.RunningAsRoot || TraversableByOthers(preferred)) return preferred;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(preferred)))[..12].ToLowerInvariant();
        var fallback = Path.Combine("/var/tmp/maternitycloud", hash, Name);
        Directory.CreateDirectory(fallback);
        File.SetUnixFileMode("/var/tmp/maternitycloud", (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.GetDirectoryName(fallback)!, (UnixFileMode)0b111_101_101);
        context.Progress($"{Name}: {preferred} is not reachable by the postgres user; keeping its data in {fallback}");
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

/// <summary>A database on a PostgreSQL server; its connection string is the server's with the database named.</summary>
public sealed class PostgresDatabaseResource(string databaseName, PostgresServerResource server)
    : Resource(databaseName), IResourceWithConnectionString
{
    public override string Type => "PostgreSQL database";
    public string DatabaseName { get; } = databaseName;
    public PostgresServerResource Server { get; } = server;
    internal bool Created { get; set; }
    public override IReadOnlyList<Endpoint> Endpoints => [];

    public string ConnectionString => $"{Server.ConnectionString};Database={DatabaseName}";

    public override Task<bool> CheckHealthAsync(CancellationToken ct) =>
        Task.FromResult(Created && Server.Health == HealthStatus.Healthy);
}
