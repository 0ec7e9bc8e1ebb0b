using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Claims.Infrastructure;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Claims.Application;

/// <summary>
/// Keeps the quota ledger in step with Prenatal, whatever order its events arrive in: a registration opens its
/// pregnancy's quota here before the first check is settled (so the counter does not wait for a call to Prenatal); a
/// cancelled or ended registration closes, a reopened one opens again, each by Prenatal's state version.
/// </summary>
public sealed class PregnancyQuotaEvents(QuotaLedger quotas)
    : IIntegrationEventHandler<PrenatalRegistered>, IIntegrationEventHandler<PrenatalRegistrationChanged>, IIntegrationEventHandler<PregnancyEnded>
{
    public Task HandleAsync(PrenatalRegistered e, OutboxTransaction tx, CancellationToken ct) =>
        quotas.OpenAsync(tx.Connection, new OpenRegistration(e.RegistrationId, e.PregnancyId, e.IdNumber, e.Region, e.PrenatalQuota, StateVersion: 1), ct);

    /// <summary>Only a cancellation or a reopening changes the quota; corrections and hospital changes leave it as it is.</summary>
    public bool Concerns(PrenatalRegistrationChanged e) => e.Change is "cancelled" or "reopened";

    public Task HandleAsync(PrenatalRegistrationChanged e, OutboxTransaction tx, CancellationToken ct) =>
        quotas.SetOpenAsync(tx, e.RegistrationId, e.PregnancyId, e.IdNumber, open: e.State == "Open", e.StateVersion, ct);

    public Task HandleAsync(PregnancyEnded e, OutboxTransaction tx, CancellationToken ct) =>
        quotas.SetOpenAsync(tx, e.RegistrationId, e.PregnancyId, e.IdNumber, open: false, e.StateVersion, ct);
}
