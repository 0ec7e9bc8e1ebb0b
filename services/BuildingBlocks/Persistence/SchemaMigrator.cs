using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Persistence;

/// <summary>When a service's schema scripts are applied (<c>Database:Migrations</c>).</summary>
public enum SchemaMigrations
{
    /// <summary>At start, before the service accepts calls (hosted services start before Kestrel): `make run`, tests.</summary>
    Apply,
    /// <summary>Apply and exit, serving nothing: a deployment's migration Job, run as the schema's owner.</summary>
    Only,
    /// <summary>
    /// Apply nothing; refuse to start until every script this build carries is recorded as applied: a deployment's
    /// replicas, which work as the service's role and never hold the owner's password.
    /// </summary>
    Verify,
}

/// <summary>The service's <c>Database:Migrations</c>.</summary>
public sealed record SchemaMigrationMode(SchemaMigrations Value);

/// <summary>
/// Applies embedded SQL scripts (or, with <see cref="SchemaMigrations.Verify"/>, checks they were applied).
/// Each script runs once; scripts are forward-only: a change is a new script.
/// </summary>
internal sealed partial class SchemaMigrator(
    ServiceRole role, IEnumerable<SchemaScripts> scriptSets, SchemaMigrationMode mode, ILogger<SchemaMigrator> logger) : IHostedService
{
    private const long AdvisoryLockKey = 0x4D435F534348454D; // "MC_SCHEM"
    private static readonly TimeSpan DatabaseWait = TimeSpan.FromSeconds(60);

    public Task StartAsync(CancellationToken ct) => mode.Value switch
    {
        SchemaMigrations.Apply => ApplyAsync(ct),
        SchemaMigrations.Verify => VerifyAsync(ct),
        _ => Task.CompletedTask, // Only: RunOrMigrate applies instead of starting the host
    };

    private List<(string Id, System.Reflection.Assembly Assembly, string Resource)> Scripts() =>
        scriptSets
            .SelectMany(set => set.Assembly.GetManifestResourceNames()
                .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
                .Select(n => (Id: $"{set.Assembly.GetName().Name}:{ScriptName(n)}", set.Assembly, Resource: n)))
            .DistinctBy(s => s.Id) // an assembly registered twice still applies each script once
            .ToList();

    /// <summary>Every script this build carries is recorded as applied, or the service does not start, saying which is missing.</summary>
    public async Task VerifyAsync(CancellationToken ct)
    {
        NpgsqlConnection connection;
        try { connection = await OpenWithRetryAsync(role.ServiceConnectionString, ct); }
        catch (PostgresException e) when (e.SqlState.StartsWith("28", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Database:Migrations=Verify, and the service cannot log in as {role.Name ?? "the configured user"} ({e.MessageText}): run this version's migration (Database:Migrations=Only), which creates the role", e);
        }
        await using var _ = connection;
        var applied = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var read = new NpgsqlCommand("SELECT id FROM schema_migration", connection);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetString(0));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { }
        var missing = Scripts().Select(s => s.Id).Where(id => !applied.Contains(id)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"Database:Migrations=Verify, and {missing.Count} schema script(s) are not applied ({string.Join(", ", missing)}): run this version's migration (Database:Migrations=Only) first");
    }

    public async Task ApplyAsync(CancellationToken ct)
    {
        var scripts = Scripts();

        // One transaction under one advisory lock: replicas starting together apply each script once, and a failing
        // script leaves the schema as it was.
        await using var connection = await OpenWithRetryAsync(role.OwnerConnectionString, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var prepare = new NpgsqlCommand(
            $"""
            SELECT pg_advisory_xact_lock({AdvisoryLockKey});
            CREATE TABLE IF NOT EXISTS schema_migration (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, tx))
        {
            await prepare.ExecuteNonQueryAsync(ct);
        }

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT id FROM schema_migration", connection, tx))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetString(0));
        }

        foreach (var (id, assembly, resource) in scripts.OrderBy(s => s.Id, StringComparer.Ordinal).Where(s => !applied.Contains(s.Id)))
        {
            await using var stream = assembly.GetManifestResourceStream(resource)!;
            using var text = new StreamReader(stream);
            await using (var run = new NpgsqlCommand(await text.ReadToEndAsync(ct), connection, tx))
                await run.ExecuteNonQueryAsync(ct);
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migration (id) VALUES ($1)", connection, tx))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = id });
                await record.ExecuteNonQueryAsync(ct);
            }
            LogApplied(id);
        }
        await role.GrantAsync(connection, tx, ct);
        await tx.CommitAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    // "Enrollment.Schema.0001_initial.sql" -> "0001_initial.sql"
    private static string ScriptName(string resource)
    {
        var withoutExtension = resource[..^4];
        return withoutExtension[(withoutExtension.LastIndexOf('.') + 1)..] + ".sql";
    }

    private async Task<NpgsqlConnection> OpenWithRetryAsync(string connectionString, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + DatabaseWait;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                // A connection of its own, not pooled: it is needed once, at start.
                var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
                await connection.OpenAsync(ct);
                return connection;
            }
            // A refused login (SQLSTATE class 28) is not a database still starting: waiting would not change the answer.
            catch (NpgsqlException e) when (DateTime.UtcNow < deadline && e is not PostgresException { SqlState: ['2', '8', ..] })
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
