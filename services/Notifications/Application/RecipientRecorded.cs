using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Notifications.Application;

/// <summary>A newly insured person becomes a recipient; the event is journaled against the person.</summary>
public sealed partial class RecordInsuredPersonRegistered(ILogger<RecordInsuredPersonRegistered> logger)
    : IIntegrationEventHandler<InsuredPersonRegistered>
{
    public async Task HandleAsync(InsuredPersonRegistered e, OutboxTransaction tx, CancellationToken ct)
    {
        // The ID number finds the person when an event names them by it (allowance, claims); a newborn has none yet.
        var idNumber = string.IsNullOrWhiteSpace(e.IdNumber) ? null : e.IdNumber;
        await using (var upsert = tx.Command(
            """
            INSERT INTO recipient (person_id, name, mobile_phone, kind, employer_credit_code, id_number) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, mobile_phone = excluded.mobile_phone,
                kind = excluded.kind, employer_credit_code = excluded.employer_credit_code, id_number = coalesce(excluded.id_number, recipient.id_number)
            """, e.PersonId, e.Name, e.MobilePhone, e.Kind, e.EmployerCreditCode, idNumber))
        {
            await upsert.ExecuteNonQueryAsync(ct);
        }
        await using (var journal = tx.Command(
            "INSERT INTO received_event (event_id, event_type, person_id, occurred_at) VALUES ($1, $2, $3, $4)",
            e.EventId, nameof(InsuredPersonRegistered), e.PersonId, e.OccurredAt.ToUniversalTime()))
        {
            await journal.ExecuteNonQueryAsync(ct);
        }
        LogRecorded(e.PersonId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded recipient {PersonId}")]
    private partial void LogRecorded(Guid personId);
}
