using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Notifications.Domain;
using MaternityCloud.Notifications.Infrastructure;

namespace MaternityCloud.Notifications.Application;

public sealed record MessageDetail(Message Message, IReadOnlyList<DeliveryAttempt> Attempts);

/// <summary>A person's and an operator's view of messages, and the operator's resend.</summary>
public sealed partial class MessageHandlers(
    ServiceDatabase database,
    MessageStore store,
    NoticePlanner planner,
    DispatchSignal signal,
    TimeProvider clock,
    ILogger<MessageHandlers> logger)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public async Task<(IReadOnlyList<Message> Page, string NextPageToken)> ListAsync(
        string idNumberText, MessageState? state, string kindText, int pageSize, string pageToken, CancellationToken ct)
    {
        var v = new Validator();
        string? idNumber = string.IsNullOrWhiteSpace(idNumberText) ? null : v.IdNumber("id_number", idNumberText).Value;
        var kind = string.IsNullOrWhiteSpace(kindText) ? null : kindText.Trim();
        if (kind is not null && !NoticeKinds.IsKnown(kind)) v.Add("kind", $"must be one of {string.Join(", ", NoticeKinds.Variables.Keys.Order())}");
        if (idNumber is null && state is null && !v.HasErrorFor("id_number"))
            v.Add("id_number", "is required unless a state is given: list a person's history, or the messages in one state");
        v.Check(pageSize is >= 0 and <= MaxPageSize, "page_size", $"must be from 1 to {MaxPageSize} (0 means {DefaultPageSize})");
        var after = PageToken.Read(v, pageToken);
        v.ThrowIfInvalid();

        var limit = pageSize == 0 ? DefaultPageSize : pageSize;
        var page = await store.ListAsync(new MessageFilter(idNumber, state, kind, after, limit), ct);
        return (page, page.Count == limit ? PageToken.Write(page[^1].CreatedAt, page[^1].MessageId) : "");
    }

    public async Task<MessageDetail> GetAsync(string messageIdText, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("message_id", messageIdText);
        v.ThrowIfInvalid();
        var message = await store.FindAsync(id, ct) ?? throw new NotFoundException("message", messageIdText);
        return new MessageDetail(message, await store.AttemptsAsync(id, ct));
    }

    /// <summary>
    /// Sends a message's text again, as it was rendered, to the person's address on that channel now (a corrected phone
    /// number, a newly bound account). Refused while the first is still on its way, when what it said was withdrawn,
    /// and when the person opted out or cannot be reached on that channel.
    /// </summary>
    public async Task<MessageDetail> ResendAsync(string messageIdText, string requestIdText, string operatorText, string reasonText, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("message_id", messageIdText);
        var requestId = v.Uuid("request_id", requestIdText);
        var operatorId = v.Text("operator_id", operatorText);
        var reason = v.Text("reason", reasonText, 200);
        v.ThrowIfInvalid();

        var key = $"resend:{id}:{requestId}";
        var resent = await database.InTransactionAsync(async (tx, token) =>
        {
            var original = (await MessageStore.FindForUpdateAsync(tx.Connection, id, token)) ?? throw new NotFoundException("message", messageIdText);
            if (await MessageStore.FindByKeyAsync(tx.Connection, key, token) is { } earlier) return earlier; // the same request again

            if (!original.State.IsFinal())
                throw new RuleViolationException("message-in-flight", $"message {id} is {original.State}: it is still on its way and is not resent");
            if (original.State == MessageState.Cancelled)
                throw new RuleViolationException("message-withdrawn", $"message {id} was cancelled because what it announced was undone");
            var card = await ContactStore.FindAsync(tx.Connection, original.IdNumber, token);
            if (card.Contact.OptedOut)
                throw new RuleViolationException("opted-out", "the person opted out of reminders; a resend would ignore their choice");
            // A number given with the event (applicant, guardian) is not on the contact card: the first message's address stays valid.
            var address = card.Contact.Address(original.Channel) ?? original.Address;
            if (string.IsNullOrEmpty(address))
                throw new RuleViolationException("unreachable", $"the person has no {(original.Channel == Channel.Sms ? "mobile phone number" : "bound official account")}");

            var now = clock.GetUtcNow();
            var (due, deferredBecause) = planner.Schedule(original.Region, now);
            var copy = original with
            {
                MessageId = Guid.CreateVersion7(), Address = address, State = MessageState.Queued, DueAt = due,
                DeferredBecause = deferredBecause, Attempts = 0, LastError = null, GatewayMessageId = null,
                ResentFrom = original.MessageId, RequestedBy = $"{operatorId}: {reason}", CreatedAt = now, SentAt = null, ReceiptedAt = null,
            };
            await MessageStore.InsertAsync(tx, [(copy, key)], token);
            tx.AfterCommit(signal.Nudge);
            LogResent(original.MessageId, copy.MessageId, operatorId);
            return copy;
        }, ct);
        return new MessageDetail(resent, []);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} resent as {ResentId} by {OperatorId}")]
    private partial void LogResent(Guid messageId, Guid resentId, string operatorId);
}
