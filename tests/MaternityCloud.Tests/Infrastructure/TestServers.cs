using MaternityCloud.Hosting.Servers;
using MaternityCloud.Hosting.Testing;
using Npgsql;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL, Redis and RabbitMQ, started once for the whole run through Aspire from the AppHost's own
/// resource definitions (free ports, a temporary state folder), unless ConnectionStrings__postgres/redis/messaging are given. Each test isolates
/// itself with its own database, virtual host and Redis key prefix from <see cref="CreateIsolationAsync"/>.
/// </summary>
public sealed class TestServers : IAsyncLifetime
{
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "maternitycloud-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private RunningPlatform _servers = null!;

    public ServerAddress Postgres { get; private set; } = null!;
    public ServerAddress Redis { get; private set; } = null!;
    public ServerAddress Messaging { get; private set; } = null!;
    /// <summary>RabbitMQ's management API: queue counts and virtual hosts.</summary>
    public RabbitMQManagement Broker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _servers = await RunningPlatform.StartServersAsync(_stateDirectory, Servers.All);
        Postgres = new ServerAddress((await _servers.ConnectionStringAsync("postgres"))!);
        Redis = new ServerAddress((await _servers.ConnectionStringAsync("redis"))!);
        Messaging = new ServerAddress((await _servers.ConnectionStringAsync("messaging"))!);
        Broker = _servers.BrokerManagement();
    }

    public async Task DisposeAsync()
    {
        await _servers.DisposeAsync();
        try { Directory.Delete(_stateDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A fresh database, virtual host and key prefix, named after the test.</summary>
    public async Task<Isolation> CreateIsolationAsync(string testName, params string[] databaseNames)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var connectionStrings = new Dictionary<string, string>();
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var name in databaseNames)
            {
                var database = $"{name}_{testName}_{suffix}".ToLowerInvariant();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
                await create.ExecuteNonQueryAsync();
                connectionStrings[name] = $"{Postgres.ConnectionString};Database={database};Maximum Pool Size=20";
            }
        }
        var virtualHost = $"{testName}-{suffix}";
        await Broker.CreateVirtualHostAsync(virtualHost, CancellationToken.None);
        connectionStrings["messaging"] = $"{Messaging.ConnectionString}/{Uri.EscapeDataString(virtualHost)}";
        connectionStrings["redis"] = Redis.ConnectionString;
        return new Isolation(connectionStrings, virtualHost, $"{testName}-{suffix}:");
    }
}

/// <summary>A server's connection string.</summary>
public sealed record ServerAddress(string ConnectionString);

/// <summary>What one test owns on the shared servers.</summary>
public sealed record Isolation(IReadOnlyDictionary<string, string> ConnectionStrings, string VirtualHost, string RedisKeyPrefix)
{
    /// <summary>Runs SQL with positional parameters ($1, $2, ...) on one of the test's databases; returns the first value.</summary>
    public async Task<object?> SqlAsync(string database, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionStrings[database]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return await command.ExecuteScalarAsync();
    }

    public async Task<long> CountAsync(string database, string sql, params object[] parameters) =>
        (long)(await SqlAsync(database, sql, parameters))!;
}

[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<TestServers>
{
    public const string Name = "servers";
}
