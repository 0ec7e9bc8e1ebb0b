using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Notifications.Domain;

/// <summary>One message to one person on one channel, as rendered, with where it is on its way.</summary>
public sealed record Message(
    Guid MessageId,
    string Kind,
    string Subject,
    string IdNumber,
    string Region,
    Channel Channel,
    string? Address,
    int TemplateVersion,
    string? ExternalTemplateId,
    RenderedMessage Rendered,
    MessageState State,
    DateTimeOffset DueAt,
    string? DeferredBecause,
    int Attempts,
    string? LastError,
    string? GatewayMessageId,
    Guid SourceEventId,
    string SourceEventType,
    Guid? ResentFrom,
    string? RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? ReceiptedAt)
{
    /// <summary>The W3C trace context of what planned the message, so sending it continues that operation's trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The address as anyone but the gateway sees it: 138****5678, or an openid cut to its ends.</summary>
    public string MaskedAddress => Address is null ? "" : Channel == Channel.Sms ? PersonalData.MaskPhone(Address) : PersonalData.MaskOpenId(Address);
}

/// <summary>A gateway attempt as recorded.</summary>
public sealed record DeliveryAttempt(int Attempt, DateTimeOffset At, string Outcome, string? Detail);
