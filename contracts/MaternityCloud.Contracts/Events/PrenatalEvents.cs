namespace MaternityCloud.Contracts.Events;

/// <summary>
/// A pregnancy was registered (产前登记). Its prenatal quota opens in the region's terms (Claims keeps the ledger).
/// <see cref="Automatic"/> is true when a prenatal-check settlement created it (intelligent registration).
/// </summary>
public sealed record PrenatalRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RegistrationId,
    string IdNumber,
    string Region,
    DateOnly PregnancyDate,
    DateOnly ExpectedDeliveryDate,
    int FetusCount,
    string HospitalCode,
    string Channel,
    bool Automatic) : IIntegrationEvent;

/// <summary>A registration was corrected, moved to another hospital, or cancelled; the fields carry the new values.</summary>
public sealed record PrenatalRegistrationChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RegistrationId,
    string Change,
    string Reason,
    string State,
    DateOnly PregnancyDate,
    DateOnly ExpectedDeliveryDate,
    int FetusCount,
    string HospitalCode) : IIntegrationEvent;

/// <summary>The pregnancy ended (childbirth or termination settled); its registration and prenatal quota close.</summary>
public sealed record PregnancyEnded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RegistrationId,
    string IdNumber,
    DateOnly EndedOn,
    string Outcome,
    Guid? SettlementId) : IIntegrationEvent;
