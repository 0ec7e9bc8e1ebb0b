using MaternityCloud.Hosting.Testing;
using MaternityCloud.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The servers as the AppHost defines them, restarted with Aspire's own commands as an operator does from the
/// dashboard: each stops cleanly and promptly (PostgreSQL with a session still open), comes back on the same port, and
/// keeps what was committed before.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ServerResourcesTests
{
    [Fact]
    public async Task PostgreSQL_and_Redis_restart_on_their_ports_with_their_data()
    {
        var state = Path.Combine(Path.GetTempPath(), "maternitycloud-servers-" + Guid.NewGuid().ToString("N")[..8]);
        await using var servers = await RunningPlatform.StartServersAsync(state, Servers.Postgres | Servers.Redis);
        try
        {
            var postgres = new NpgsqlConnectionStringBuilder(await servers.ConnectionStringAsync("postgres")) { Pooling = false }.ConnectionString;
            var redis = (await servers.ConnectionStringAsync("redis"))!;
            await ExecuteAsync(postgres, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('committed before the restart')");
            await using (var cache = await ConnectionMultiplexer.ConnectAsync(redis))
                await cache.GetDatabase().StringSetAsync("kept", "written before the restart");

            // A session stays open, as the services' pools keep theirs: the stop must not wait for it (fast shutdown).
            await using var session = new NpgsqlConnection(postgres);
            await session.OpenAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await servers.RestartResourceAsync("postgres");
            await servers.RestartResourceAsync("redis");
            await servers.WaitHealthyAsync(TimeSpan.FromMinutes(1));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"the restarts took {clock.Elapsed.TotalSeconds:0} s");

            Assert.Equal(postgres, new NpgsqlConnectionStringBuilder(await servers.ConnectionStringAsync("postgres")) { Pooling = false }.ConnectionString);
            await using (var connection = new NpgsqlConnection(postgres))
            {
                await connection.OpenAsync();
                await using var read = new NpgsqlCommand("SELECT note FROM kept", connection);
                Assert.Equal("committed before the restart", await read.ExecuteScalarAsync());
            }
            await using (var cache = await ConnectionMultiplexer.ConnectAsync(redis))
                Assert.Equal("written before the restart", (string?)await cache.GetDatabase().StringGetAsync("kept"));
        }
        finally
        {
            try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
