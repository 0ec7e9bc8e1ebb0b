using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MaternityCloud.BuildingBlocks.Policy;

public static class PolicyExtensions
{
    /// <summary>
    /// Region parameter sets in the service's database: the shipped versions are added at start, and every replica
    /// picks up a version loaded elsewhere within <c>Policy:RefreshInterval</c> (default 5 s). Requires AddServiceDatabase
    /// and AddMessaging; services other than Enrollment subscribe <see cref="RegionPolicyReplica"/> to get operators' loads.
    /// </summary>
    public static IHostApplicationBuilder AddRegionPolicies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new SchemaScripts(typeof(PolicyExtensions).Assembly));
        builder.Services.AddSingleton<RegionPolicyCatalog>();
        builder.Services.AddSingleton<RegionPolicyStore>();
        builder.Services.AddHostedService(sp => new RegionPolicyRefresher(
            sp.GetRequiredService<RegionPolicyStore>(),
            builder.Configuration.GetValue("Policy:RefreshInterval", TimeSpan.FromSeconds(5)),
            sp.GetRequiredService<ILogger<RegionPolicyRefresher>>()));
        return builder;
    }
}

/// <summary>A version an operator loaded at another service (Enrollment) arrives: this service stores it too.</summary>
public sealed class RegionPolicyReplica : IIntegrationEventHandler<RegionPolicyLoaded>
{
    public Task HandleAsync(RegionPolicyLoaded e, OutboxTransaction tx, CancellationToken ct) => RegionPolicyStore.StoreReplicaAsync(tx, e, ct);
}

/// <summary>Loads the catalog before the service takes calls, then keeps it in step with the database.</summary>
internal sealed partial class RegionPolicyRefresher(RegionPolicyStore store, TimeSpan interval, ILogger<RegionPolicyRefresher> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken ct)
    {
        await store.SeedShippedVersionsAsync(ct);
        await store.RefreshAsync(ct);
        await base.StartAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await store.RefreshAsync(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { LogRefreshFailed(e); }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region parameters could not be refreshed; the loaded versions stay in use")]
    private partial void LogRefreshFailed(Exception e);
}
