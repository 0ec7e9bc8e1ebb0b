using MaternityCloud.BuildingBlocks.Domain;
using MassTransit;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>What a service does when an integration event arrives, inside the transaction that records it in the inbox.</summary>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IIntegrationEvent
{
    Task HandleAsync(TEvent integrationEvent, OutboxTransaction tx, CancellationToken ct);

    /// <summary>
    /// Whether the event can have an effect here at all, decided from the event alone. One that cannot is acknowledged
    /// without a transaction or an inbox row: there is nothing to do once, so nothing to remember.
    /// </summary>
    bool Concerns(TEvent integrationEvent) => true;
}

/// <summary>
/// The only MassTransit consumer in the platform: records (event id, handler) in the inbox and runs the handler in
/// the same transaction. A redelivered or duplicated event finds its inbox row and changes nothing; a concurrent
/// duplicate waits on the row's unique key and then finds it. A handler that throws rolls everything back, and
/// MassTransit retries and finally moves the message to the queue's _error queue.
/// </summary>
public sealed class InboxConsumer<TEvent, THandler>(ServiceDatabase database, THandler handler) : IConsumer<TEvent>
    where TEvent : class, IIntegrationEvent
    where THandler : IIntegrationEventHandler<TEvent>
{
    private static readonly string ConsumerName = typeof(THandler).Name;

    public Task Consume(ConsumeContext<TEvent> context) =>
        !handler.Concerns(context.Message) ? Task.CompletedTask : database.InTransactionAsync(async (tx, ct) =>
        {
            await using var accept = tx.Command(
                "INSERT INTO inbox_message (message_id, consumer, message_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                context.Message.EventId, ConsumerName, IntegrationEventTypes.NameOf(typeof(TEvent)));
            if (await accept.ExecuteNonQueryAsync(ct) == 0) return; // handled before
            tx.Audit(new AuditedCall(Caller.Service(ConsumerName), $"consume {IntegrationEventTypes.NameOf(typeof(TEvent))}", AuditKind.Change,
                context.Message.EventId.ToString(), null));
            await handler.HandleAsync(context.Message, tx, ct);
        }, context.CancellationToken);
}
