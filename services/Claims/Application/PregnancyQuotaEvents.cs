using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Claims.Infrastructure;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Claims.Application;

/// <summary>
/// Keeps the quota ledger in step with Prenatal: a registration opens its quota here before the first check is settled
/// (so the counter does not wait for a call to Prenatal), a cancelled or ended pregnancy closes it.
/// </summary>
public sealed class PregnancyQuotaEvents(QuotaLedger quotas)
    : IIntegrationEventHandler<PrenatalRegistered>, IIntegrationEventHandler<PrenatalRegistrationChanged>, IIntegrationEventHandler<PregnancyEnded>
{
    public Task HandleAsync(PrenatalRegistered e, OutboxTransaction tx, CancellationToken ct) =>
        quotas.OpenAsync(tx.Connection, new OpenRegistration(e.RegistrationId, e.IdNumber, e.Region, e.PrenatalQuota), ct);

    /// <summary>Only a cancellation closes the quota; corrections and hospital changes leave it as it is.</summary>
    public bool Concerns(PrenatalRegistrationChanged e) => e.State == "Cancelled";

    public Task HandleAsync(PrenatalRegistrationChanged e, OutboxTransaction tx, CancellationToken ct) => quotas.CloseAsync(tx, e.RegistrationId, ct);

    public Task HandleAsync(PregnancyEnded e, OutboxTransaction tx, CancellationToken ct) => quotas.CloseAsync(tx, e.RegistrationId, ct);
}
