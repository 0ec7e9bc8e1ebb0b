using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Persistence;

/// <summary>
/// Applies embedded SQL scripts before the service accepts calls (hosted services start before Kestrel).
/// Each script runs once, in its own transaction, under an advisory lock so two replicas starting together
/// cannot both apply it. Scripts are forward-only: a change is a new script.
/// </summary>
internal sealed partial class SchemaMigrator(
    NpgsqlDataSource dataSource, IEnumerable<SchemaScripts> scriptSets, ILogger<SchemaMigrator> logger) : IHostedService
{
    private const long AdvisoryLockKey = 0x4D435F534348454D; // "MC_SCHEM"
    private static readonly TimeSpan DatabaseWait = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken ct)
    {
        var scripts = scriptSets
            .SelectMany(set => set.Assembly.GetManifestResourceNames()
                .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
                .Select(n => (Id: $"{set.Assembly.GetName().Name}:{ScriptName(n)}", set.Assembly, Resource: n)))
            .ToList();

        await using var connection = await OpenWithRetryAsync(ct);
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS schema_migration (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        foreach (var (id, assembly, resource) in scripts.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", connection, tx))
                await lockCommand.ExecuteNonQueryAsync(ct);

            await using (var applied = new NpgsqlCommand("SELECT 1 FROM schema_migration WHERE id = $1", connection, tx))
            {
                applied.Parameters.Add(new NpgsqlParameter { Value = id });
                if (await applied.ExecuteScalarAsync(ct) is not null)
                {
                    await tx.RollbackAsync(ct);
                    continue;
                }
            }

            await using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var sql = await reader.ReadToEndAsync(ct);
            await using (var run = new NpgsqlCommand(sql, connection, tx))
                await run.ExecuteNonQueryAsync(ct);
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migration (id) VALUES ($1)", connection, tx))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = id });
                await record.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            LogApplied(id);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    // "Enrollment.Schema.0001_initial.sql" -> "0001_initial.sql"
    private static string ScriptName(string resource)
    {
        var withoutExtension = resource[..^4];
        return withoutExtension[(withoutExtension.LastIndexOf('.') + 1)..] + ".sql";
    }

    private async Task<NpgsqlConnection> OpenWithRetryAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + DatabaseWait;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await dataSource.OpenConnectionAsync(ct);
            }
            catch (NpgsqlException e) when (DateTime.UtcNow < deadline)
            {
                LogWaiting(e.Message);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema script {Script}")]
    private partial void LogApplied(string script);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not reachable yet, retrying: {Reason}")]
    private partial void LogWaiting(string reason);
}
