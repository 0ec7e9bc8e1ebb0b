using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Notifications.V1;
using MaternityCloud.Notifications.Application;
using MaternityCloud.Notifications.Infrastructure;
using MaternityCloud.ServiceDefaults.Grpc;
using Domain = MaternityCloud.Notifications.Domain;

namespace MaternityCloud.Notifications.Grpc;

/// <summary>Thin adapter: proto in, application handler, proto out. Refusals are mapped by the shared interceptor.</summary>
public sealed class NotificationsGrpcService(
    RecipientQueries recipients,
    ContactHandlers contacts,
    MessageHandlers messages,
    TemplateHandlers templates,
    OperationsHandlers operations) : Contracts.Notifications.V1.Notifications.NotificationsBase
{
    public override async Task<OperationsSummary> GetOperationsSummary(OperationsSummaryRequest request, ServerCallContext context)
    {
        var (day, figures) = await operations.SummaryAsync(request.Date, context.CancellationToken);
        var reply = new OperationsSummary
        {
            Date = ProtoValues.Date(day), SentToday = figures.SentToday,
            FailedToday = figures.PlannedToday.Where(t => t.State == Domain.MessageState.Failed).Sum(t => t.Count),
            DeferredNow = figures.WaitingByReason.Where(w => w.Reason.Length > 0).Sum(w => w.Count),
        };
        reply.PlannedToday.AddRange(figures.PlannedToday.Select(t => new Contracts.Notifications.V1.MessageTally { State = (MessageState)(int)t.State, Channel = (Channel)(int)t.Channel, Count = t.Count }));
        reply.WaitingByReason.AddRange(figures.WaitingByReason.Select(w => new DeferralTally { Reason = w.Reason, Count = w.Count }));
        return reply;
    }

    public override async Task<Recipient> GetRecipient(GetRecipientRequest request, ServerCallContext context)
    {
        var view = await recipients.GetAsync(request.PersonId, context.CancellationToken);
        return new Recipient
        {
            PersonId = view.PersonId.ToString(),
            Name = view.Name,
            MaskedMobilePhone = view.MaskedMobilePhone ?? "",
            Kind = view.Kind,
            EmployerCreditCode = view.EmployerCreditCode ?? "",
            KnownSince = view.KnownSince.ToString("O"),
            Events =
            {
                view.Events.Select(e => new ReceivedEvent
                {
                    EventId = e.EventId.ToString(),
                    EventType = e.EventType,
                    OccurredAt = e.OccurredAt.ToString("O"),
                    ReceivedAt = e.ReceivedAt.ToString("O"),
                }),
            },
        };
    }

    public override async Task<ContactPreferences> GetContactPreferences(GetContactPreferencesRequest request, ServerCallContext context) =>
        ToProto(await contacts.GetAsync(request.IdNumber, context.CancellationToken));

    public override async Task<ContactPreferences> SetContactPreferences(SetContactPreferencesRequest r, ServerCallContext context) =>
        ToProto(await contacts.SetAsync(r.IdNumber, r.HasPreference ? (Domain.ChannelPreference)(int)r.Preference : null,
            r.HasOptedOut ? r.OptedOut : null, r.OpenId, r.UnbindOfficialAccount, r.ChangedBy, context.CancellationToken));

    public override async Task<ListMessagesResponse> ListMessages(ListMessagesRequest r, ServerCallContext context)
    {
        var (page, next) = await messages.ListAsync(r.IdNumber, ProtoValues.ToDomain<Domain.MessageState>((int)r.State), r.Kind, r.PageSize,
            r.PageToken, context.CancellationToken);
        var reply = new ListMessagesResponse { NextPageToken = next };
        reply.Messages.AddRange(page.Select(m => ToProto(new MessageDetail(m, []))));
        return reply;
    }

    public override async Task<Message> GetMessage(GetMessageRequest request, ServerCallContext context) =>
        ToProto(await messages.GetAsync(request.MessageId, context.CancellationToken));

    public override async Task<Message> ResendMessage(ResendMessageRequest r, ServerCallContext context) =>
        ToProto(await messages.ResendAsync(r.MessageId, r.RequestId, r.OperatorId, r.Reason, context.CancellationToken));

    public override async Task<ListTemplatesResponse> ListTemplates(ListTemplatesRequest request, ServerCallContext context)
    {
        var reply = new ListTemplatesResponse();
        reply.Templates.AddRange((await templates.ListAsync(request.Kind, context.CancellationToken)).Select(ToProto));
        reply.Kinds.AddRange(Domain.NoticeKinds.Variables.OrderBy(k => k.Key, StringComparer.Ordinal)
            .Select(k => new NoticeKind { Kind = k.Key, Variables = { k.Value.Order(StringComparer.Ordinal) } }));
        return reply;
    }

    public override async Task<Template> PublishTemplate(PublishTemplateRequest r, ServerCallContext context) =>
        ToProto(await templates.PublishAsync(new Domain.TemplateDraft(r.Kind.Trim(), ProtoValues.ToDomain<Domain.Channel>((int)r.Channel),
            r.Fields.Select(f => new Domain.TemplateField(f.Name.Trim(), f.Text)).ToList(), r.ExternalTemplateId, r.Link), r.PublishedBy,
            context.CancellationToken));

    private static ContactPreferences ToProto(ContactCard card)
    {
        var reply = new ContactPreferences
        {
            MaskedIdNumber = PersonalData.MaskIdNumber(card.IdNumber),
            MaskedMobilePhone = card.Contact.MobilePhone is { } phone ? PersonalData.MaskPhone(phone) : "",
            MaskedOpenId = card.Contact.OpenId is { } openId ? PersonalData.MaskOpenId(openId) : "",
            Preference = (ChannelPreference)(int)card.Contact.Preference,
            OptedOut = card.Contact.OptedOut,
            ChangedAt = card.ChangedAt?.ToString("O") ?? "",
            ChangedBy = card.ChangedBy ?? "",
        };
        if (!card.Contact.OptedOut) reply.Channels.AddRange(card.Contact.Channels().Select(c => (Channel)(int)c));
        return reply;
    }

    private static Message ToProto(MessageDetail detail)
    {
        var m = detail.Message;
        var reply = new Message
        {
            MessageId = m.MessageId.ToString(),
            Kind = m.Kind,
            Subject = m.Subject,
            MaskedIdNumber = PersonalData.MaskIdNumber(m.IdNumber),
            Region = m.Region,
            Channel = (Channel)(int)m.Channel,
            MaskedAddress = m.MaskedAddress,
            TemplateVersion = m.TemplateVersion,
            Text = m.Rendered.Text,
            Link = m.Rendered.Link ?? "",
            State = (MessageState)(int)m.State,
            DueAt = m.DueAt.ToString("O"),
            DeferredBecause = m.DeferredBecause ?? "",
            Attempts = m.Attempts,
            LastError = PersonalData.Scrub(m.LastError ?? ""),
            GatewayMessageId = m.GatewayMessageId ?? "",
            SourceEventType = m.SourceEventType,
            SourceEventId = m.SourceEventId.ToString(),
            ResentFrom = m.ResentFrom?.ToString() ?? "",
            RequestedBy = m.RequestedBy ?? "",
            CreatedAt = m.CreatedAt.ToString("O"),
            SentAt = m.SentAt?.ToString("O") ?? "",
            ReceiptedAt = m.ReceiptedAt?.ToString("O") ?? "",
        };
        reply.Fields.AddRange(m.Rendered.Fields.Select(f => new RenderedField { Name = f.Name, Value = f.Value }));
        reply.DeliveryAttempts.AddRange(detail.Attempts.Select(a => new DeliveryAttempt
        {
            Attempt = a.Attempt, At = a.At.ToString("O"), Outcome = a.Outcome, Detail = PersonalData.Scrub(a.Detail ?? ""),
        }));
        return reply;
    }

    private static Template ToProto(Domain.MessageTemplate t)
    {
        var reply = new Template
        {
            Kind = t.Kind, Channel = (Channel)(int)t.Channel, Version = t.Version, ExternalTemplateId = t.ExternalTemplateId ?? "",
            Link = t.Link ?? "", PublishedAt = t.PublishedAt.ToString("O"), PublishedBy = t.PublishedBy,
        };
        reply.Fields.AddRange(t.Fields.Select(f => new TemplateField { Name = f.Name, Text = f.Text }));
        return reply;
    }
}
