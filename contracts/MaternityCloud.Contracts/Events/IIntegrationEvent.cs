namespace MaternityCloud.Contracts.Events;

/// <summary>An event one service publishes for others. The id is the idempotency key of every consumer.</summary>
public interface IIntegrationEvent
{
    Guid EventId { get; }
    DateTimeOffset OccurredAt { get; }
}
