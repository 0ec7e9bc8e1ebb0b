namespace MaternityCloud.Contracts.Events;

/// <summary>
/// A pregnancy was registered (产前登记). Its prenatal quota opens in the region's terms: <see cref="PrenatalQuota"/>
/// yuan, the region's cap per pregnancy on the pregnancy date (Claims keeps the ledger of what is used).
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
    bool Automatic,
    decimal PrenatalQuota) : IIntegrationEvent;

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
