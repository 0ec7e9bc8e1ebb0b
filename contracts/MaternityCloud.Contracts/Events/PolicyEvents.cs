namespace MaternityCloud.Contracts.Events;

/// <summary>
/// An operator loaded a new version of a region's parameter set (at Enrollment). Every other service that decides by
/// region parameters stores the same version, so all services answer a date with the same rules.
/// <see cref="Document"/> is the parameter file as loaded (JSON).
/// </summary>
public sealed record RegionPolicyLoaded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string Region,
    DateOnly EffectiveFrom,
    string Document,
    string LoadedBy) : IIntegrationEvent;

/// <summary>
/// An operator loaded a version of a year's working-day calendar (at Enrollment): the State Council's holidays and
/// adjusted working days. Services that count working days store the same version under the same
/// <see cref="Version"/> number, and put the highest of a year in force. <see cref="Document"/> is the JSON.
/// </summary>
public sealed record WorkingDayCalendarLoaded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    int Year,
    string Document,
    string LoadedBy,
    long Version) : IIntegrationEvent;
