using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Contracts.Events;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// Stores every version in the service's database (table region_policy) and keeps <see cref="RegionPolicyCatalog"/>
/// in step with it. Versions are only ever added: old events keep the answer of the version they were decided with.
/// </summary>
public sealed partial class RegionPolicyStore(
    NpgsqlDataSource dataSource, ServiceDatabase database, RegionPolicyCatalog catalog, TimeProvider clock, ILogger<RegionPolicyStore> logger)
{
    /// <summary>Adds the versions shipped with the platform that the database does not have yet.</summary>
    public Task SeedShippedVersionsAsync(CancellationToken ct) =>
        database.InTransactionAsync(async (tx, token) =>
        {
            var assembly = typeof(RegionPolicyStore).Assembly;
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Regions.", StringComparison.Ordinal)))
            {
                await using var stream = assembly.GetManifestResourceStream(resource)!;
                using var reader = new StreamReader(stream);
                await TryStoreAsync(tx, RegionPolicyDocument.Parse(await reader.ReadToEndAsync(token)), "shipped", token);
            }
        }, ct);

    /// <summary>Reloads the catalog from the database when a version was added (by this or another replica).</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        await using (var check = dataSource.CreateCommand("SELECT coalesce(sum(version_id), 0)::bigint FROM region_policy"))
        {
            if ((long)(await check.ExecuteScalarAsync(ct))! == catalog.Generation && catalog.Generation != 0) return;
        }
        var policies = new List<RegionPolicy>();
        await using var read = dataSource.CreateCommand("SELECT version_id, document::text FROM region_policy");
        await using var reader = await read.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            try
            {
                policies.Add(RegionPolicyDocument.Parse(reader.GetString(1), reader.GetInt64(0)));
            }
            catch (ValidationFailedException invalid)
            {
                // Only a development database can hold such a row: a shipped file was changed in place after it was stored.
                throw new InvalidOperationException(
                    $"stored region policy version {reader.GetInt64(0)} no longer meets the format ({invalid.Message}); " +
                    "in development, delete the AppHost's state folder (.state) so the shipped versions are stored afresh", invalid);
            }
        }
        catalog.Replace(policies);
        LogLoaded(policies.Count, catalog.Generation);
    }

    /// <summary>
    /// An operator loads a new version. It may not start before today in a region that already has versions, because
    /// events already decided must keep their answer; loading the same document twice returns the stored version.
    /// The version is published (outbox, same transaction) so every other service stores it too.
    /// </summary>
    public async Task<RegionPolicy> LoadAsync(string json, string loadedBy, CancellationToken ct)
    {
        var parsed = RegionPolicyDocument.Parse(json);
        var today = clock.GetLocalToday();
        if (catalog.Versions(parsed.Region).Count > 0 && parsed.EffectiveFrom < today)
            throw new RuleViolationException("policy-not-retroactive",
                $"a new version for region {parsed.Region} must take effect today ({today:yyyy-MM-dd}) or later, not {parsed.EffectiveFrom:yyyy-MM-dd}: decisions already made keep the rules they used");

        await database.InTransactionAsync(async (tx, token) =>
        {
            if (await TryStoreAsync(tx, parsed, loadedBy, token))
            {
                tx.Publish(new RegionPolicyLoaded(Guid.CreateVersion7(), clock.GetUtcNow(), parsed.Region, parsed.EffectiveFrom, json, loadedBy));
                return;
            }
            await using var existing = tx.Command("SELECT document = $3::jsonb FROM region_policy WHERE region = $1 AND effective_from = $2",
                parsed.Region, parsed.EffectiveFrom, JsonSerializer.Serialize(parsed.Document));
            if (!(bool)(await existing.ExecuteScalarAsync(token))!)
                throw new AlreadyExistsException("region policy", $"{parsed.Region}@{parsed.EffectiveFrom:yyyy-MM-dd}",
                    "a different document is stored for this region and date; load a version with a later effective date");
        }, ct);
        await RefreshAsync(ct);
        return catalog.Versions(parsed.Region).Single(p => p.EffectiveFrom == parsed.EffectiveFrom);
    }

    /// <summary>Stores a version loaded elsewhere; the catalog picks it up on its next refresh.</summary>
    internal static async Task StoreReplicaAsync(OutboxTransaction tx, RegionPolicyLoaded loaded, CancellationToken ct)
    {
        var parsed = RegionPolicyDocument.Parse(loaded.Document);
        await TryStoreAsync(tx, parsed, loaded.LoadedBy, ct);
    }

    /// <summary>Stores a version unless its region and date are taken; says whether it did.</summary>
    private static async Task<bool> TryStoreAsync(OutboxTransaction tx, RegionPolicy policy, string loadedBy, CancellationToken ct)
    {
        await using var insert = tx.Command(
            "INSERT INTO region_policy (region, effective_from, document, loaded_by) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING",
            policy.Region, policy.EffectiveFrom, JsonSerializer.Serialize(policy.Document), loadedBy);
        return await insert.ExecuteNonQueryAsync(ct) == 1;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Region parameters loaded: {Count} versions, generation {Generation}")]
    private partial void LogLoaded(int count, long generation);
}
