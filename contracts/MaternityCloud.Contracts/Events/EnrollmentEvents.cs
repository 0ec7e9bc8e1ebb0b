namespace MaternityCloud.Contracts.Events;

/// <summary>
/// Enrollment registered an insured person (参保人). Kind uses the glossary names
/// (Employee, Resident, FlexibleWorker, Retiree, UnemploymentBenefitRecipient) so that adding a kind
/// does not break older consumers.
/// </summary>
public sealed record InsuredPersonRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid PersonId,
    string Name,
    string Kind,
    string? EmployerCreditCode,
    DateOnly InsuredFrom,
    string? MobilePhone,
    string IdNumber = "") : IIntegrationEvent;

/// <summary>A person's kind or employer changed from <see cref="EffectiveFrom"/> (the history gained a period).</summary>
public sealed record InsuredPersonChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid PersonId,
    string Kind,
    string? EmployerCreditCode,
    DateOnly EffectiveFrom,
    string Reason) : IIntegrationEvent;

/// <summary>A person's insurance ended on <see cref="LastDay"/>; later dates are not insured until a new period begins.</summary>
public sealed record InsuranceEnded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid PersonId,
    DateOnly LastDay,
    string Reason) : IIntegrationEvent;

/// <summary>
/// Public security recorded a person's death (死亡, 户籍注销) on <see cref="DiedOn"/>: no benefit for an event after that
/// day. <see cref="PersonId"/> is null when the person is not insured here; consumers match by ID number.
/// </summary>
public sealed record InsuredPersonDied(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid? PersonId,
    string IdNumber,
    DateOnly DiedOn) : IIntegrationEvent;

/// <summary>The unemployed spouse of an insured male employee was filed (备案) and verified against the marriage record.</summary>
public sealed record SpouseFiled(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid FilingId,
    string SpouseIdNumber,
    Guid EmployeePersonId,
    string MarriageCertificateNumber,
    DateOnly FiledOn) : IIntegrationEvent;

/// <summary>
/// The guardian of a newborn who is not enrolled yet should be reminded to enrol (新生儿参保提醒) before
/// <see cref="EnrolBefore"/>, the last day of the region's window for cover from birth. <see cref="Round"/> is empty for
/// the reminder the birth record triggers, and names the enrolment drive (参保扩面) that sends it again.
/// </summary>
public sealed record GuardianReminderDue(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string BirthCertificateNumber,
    string NewbornName,
    DateOnly BirthDate,
    string GuardianIdNumber,
    string GuardianName,
    string? GuardianMobilePhone,
    string Region,
    DateOnly EnrolBefore,
    string Round = "") : IIntegrationEvent;

/// <summary>A newborn was enrolled as a resident; benefits start on <see cref="CoveredFrom"/> (the waiting-period rule).</summary>
public sealed record NewbornEnrolled(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid PersonId,
    string BirthCertificateNumber,
    string NewbornName,
    DateOnly BirthDate,
    string GuardianIdNumber,
    string Region,
    DateOnly CoveredFrom) : IIntegrationEvent;
