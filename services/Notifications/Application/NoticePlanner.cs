using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Notifications.Domain;
using MaternityCloud.Notifications.Infrastructure;
using Microsoft.Extensions.Options;

namespace MaternityCloud.Notifications.Application;

/// <summary>Wakes the dispatcher when messages were queued.</summary>
public sealed class DispatchSignal : WakeSignal;

/// <summary>
/// Turns a notice into messages, inside the transaction of the event that caused it: finds how to reach the person,
/// picks the channels, renders each channel's latest template once, and queues the messages for now or for the end of
/// the quiet hours. The deduplication key makes the same notice twice a no-op.
/// </summary>
public sealed class NoticePlanner(
    TemplateCatalog templates,
    RegionPolicyCatalog policies,
    NoticeTerms terms,
    DispatchSignal signal,
    IOptions<NotificationOptions> options,
    TimeProvider clock)
{
    public NoticeTerms Terms => terms;

    /// <summary>The notification parameters in force today for the region, or the default region's when it is unknown.</summary>
    public NotificationParameters Parameters(string region)
    {
        var today = Calendar.DateInChina(clock.GetUtcNow());
        var resolved = policies.Resolve(region, today).Policy ?? policies.Resolve(options.Value.DefaultRegion, today).Policy
            ?? throw new InvalidOperationException($"no notification parameters for region '{region}' nor the default region '{options.Value.DefaultRegion}'");
        return resolved.Notifications;
    }

    /// <summary>When a message for the region may go out, from <paramref name="now"/>: now, or the end of its quiet hours.</summary>
    public (DateTimeOffset Due, string? DeferredBecause) Schedule(string region, DateTimeOffset now) => Schedule(Parameters(region), now);

    private static (DateTimeOffset Due, string? DeferredBecause) Schedule(NotificationParameters parameters, DateTimeOffset now)
    {
        var due = parameters.QuietHours.NextAllowed(now);
        return (due, due > now ? DeferralReasons.QuietHours : null);
    }

    public async Task<IReadOnlyList<Message>> PlanAsync(OutboxTransaction tx, Notice notice, Guid sourceEventId, string sourceEventType, CancellationToken ct)
    {
        var card = await ContactStore.FindAsync(tx.Connection, notice.IdNumber, ct);
        // A number the event carries was given for this very matter (at the counter, on the birth record): it comes first.
        var contact = string.IsNullOrWhiteSpace(notice.PhoneFromEvent) ? card.Contact : card.Contact with { MobilePhone = notice.PhoneFromEvent.Trim() };
        var parameters = Parameters(notice.Region);
        var values = new Dictionary<string, string>(notice.Values)
        {
            ["name"] = notice.NameFromEvent ?? card.Name ?? terms.AnonymousName,
            ["hotline"] = parameters.Hotline,
            ["officialAccount"] = parameters.OfficialAccountName,
            ["policyLink"] = parameters.MaternityPolicyLink,
            ["newbornLink"] = parameters.NewbornEnrolmentLink,
        };

        var now = clock.GetUtcNow();
        await tx.LockAsync(DeceasedPersons.PersonLock(notice.IdNumber), ct);
        var deceased = await DeceasedPersons.IsDeceasedAsync(tx.Connection, notice.IdNumber, ct);
        var (state, channels) = contact.OptedOut || deceased ? (MessageState.Suppressed, contact.Channels())
            : contact.Channels() is { Count: > 0 } reachable ? (MessageState.Queued, reachable)
            : (MessageState.Unreachable, (IReadOnlyList<Channel>)[]);
        if (channels.Count == 0) channels = [Channel.Sms]; // recorded, so the history says why nobody was told

        var (due, deferredBecause) = Schedule(parameters, now);
        var messages = channels.Select(channel =>
        {
            var template = templates.Latest(notice.Kind, channel)
                ?? throw new InvalidOperationException($"no {channel} template for {notice.Kind}: the shipped templates were not seeded");
            var message = new Message(Guid.CreateVersion7(), notice.Kind, notice.Subject, notice.IdNumber, notice.Region.Length > 0 ? notice.Region : options.Value.DefaultRegion,
                channel, contact.Address(channel), template.Version, template.ExternalTemplateId, template.Render(values), state,
                due, state == MessageState.Queued ? deferredBecause : null, 0, deceased ? DeceasedPersons.Reason : null, null, sourceEventId, sourceEventType,
                null, null, now, null, null);
            return (message, notice.DeduplicationKey(channel));
        }).ToList();

        var written = await MessageStore.InsertAsync(tx, messages, ct);
        if (written.Any(m => m.State == MessageState.Queued)) tx.AfterCommit(signal.Nudge);
        return written;
    }
}
