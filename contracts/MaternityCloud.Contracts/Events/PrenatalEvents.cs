namespace MaternityCloud.Contracts.Events;

/// <summary>
/// A pregnancy was registered (产前登记). Its prenatal quota opens in the region's terms: <see cref="PrenatalQuota"/>
/// yuan, the region's cap per pregnancy on the pregnancy date (Claims keeps the ledger of what is used).
/// <see cref="Automatic"/> is true when a prenatal-check settlement created it (intelligent registration).
/// <see cref="PregnancyId"/> is the pregnancy: a registration cancelled and made again keeps it, and with it one quota.
/// </summary>
public sealed record PrenatalRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RegistrationId,
    Guid PregnancyId,
    string IdNumber,
    string Region,
    DateOnly PregnancyDate,
    DateOnly ExpectedDeliveryDate,
    int FetusCount,
    string HospitalCode,
    string Channel,
    bool Automatic,
    decimal PrenatalQuota) : IIntegrationEvent;

/// <summary>
/// A registration was corrected, moved to another hospital, cancelled or reopened (its ending settlement was reversed);
/// the fields carry the new values, and the person and pregnancy so that a consumer hearing of it first knows whose.
/// <see cref="StateVersion"/> counts the registration's changes (1 when registered): a consumer applies a change only
/// over an older one, so the order events arrive in does not matter.
/// </summary>
public sealed record PrenatalRegistrationChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RegistrationId,
    Guid PregnancyId,
    string IdNumber,
    string Change,
    string Reason,
    string State,
    DateOnly PregnancyDate,
    DateOnly ExpectedDeliveryDate,
    int FetusCount,
    string HospitalCode,
    int StateVersion) : IIntegrationEvent;

/// <summary>
/// The pregnancy ended (childbirth or termination settled); its registration and prenatal quota close.
/// <see cref="StateVersion"/> as in <see cref="PrenatalRegistrationChanged"/>.
/// </summary>
public sealed record PregnancyEnded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RegistrationId,
    Guid PregnancyId,
    string IdNumber,
    DateOnly EndedOn,
    string Outcome,
    Guid? SettlementId,
    int StateVersion) : IIntegrationEvent;
