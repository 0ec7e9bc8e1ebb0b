using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MaternityCloud.BuildingBlocks.Policy;

public static class PolicyExtensions
{
    /// <summary>
    /// Region parameter sets and working-day calendars in the service's database: the shipped versions are added at
    /// start, and every replica picks up a version loaded elsewhere within <c>Policy:RefreshInterval</c> (default 5 s).
    /// Requires AddServiceDatabase and AddMessaging; services other than Enrollment subscribe <see cref="RegionPolicyReplica"/>
    /// (and <see cref="WorkingDayCalendarReplica"/> where they count working days) to get operators' loads.
    /// </summary>
    public static IHostApplicationBuilder AddRegionPolicies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new SchemaScripts(typeof(PolicyExtensions).Assembly));
        builder.Services.AddSingleton<RegionPolicyCatalog>();
        builder.Services.AddSingleton<RegionPolicyStore>();
        builder.Services.AddSingleton(new WorkingDayCalendar([]));
        builder.Services.AddSingleton<CalendarStore>();
        var interval = builder.Configuration.GetValue("Policy:RefreshInterval", TimeSpan.FromSeconds(5));
        builder.Services.AddPeriodicReload("Region parameters", interval, sp =>
        {
            var store = sp.GetRequiredService<RegionPolicyStore>();
            return (async ct =>
            {
                await store.SeedShippedVersionsAsync(ct);
                await store.RefreshAsync(ct);
            }, store.RefreshAsync);
        });
        builder.Services.AddPeriodicReload("Working-day calendars", interval, sp =>
        {
            var store = sp.GetRequiredService<CalendarStore>();
            return (async ct =>
            {
                await store.SeedShippedYearsAsync(ct);
                await store.RefreshAsync(ct);
            }, store.RefreshAsync);
        });
        return builder;
    }
}

/// <summary>A version an operator loaded at another service (Enrollment) arrives: this service stores it too.</summary>
public sealed class RegionPolicyReplica : IIntegrationEventHandler<RegionPolicyLoaded>
{
    public Task HandleAsync(RegionPolicyLoaded e, OutboxTransaction tx, CancellationToken ct) => RegionPolicyStore.StoreReplicaAsync(tx, e, ct);
}
