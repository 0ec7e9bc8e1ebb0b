using MaternityCloud.Contracts.Codes;

namespace MaternityCloud.Contracts.Events;

/// <summary>
/// Claims settled a visit. <see cref="Visit"/> is the visit classified once from the national codes (what it is, its
/// category, whether it ends the pregnancy and which allowance event it is), so consumers never decode codes again.
/// Amounts are yuan as decimal. <see cref="Region"/> is the person's pooling region, from their insurance record,
/// whose rules (<see cref="PolicyVersion"/>) were applied. <see cref="RegistrationId"/> is the prenatal registration whose
/// quota a prenatal check used.
/// </summary>
public sealed record SettlementCompleted(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid SettlementId,
    string InstitutionCode,
    string IdNumber,
    ClassifiedVisit Visit,
    DateOnly ServiceDate,
    decimal FundAmount,
    decimal IndividualAmount,
    string Region,
    string PolicyVersion,
    bool AsFiledSpouse,
    Guid? RegistrationId) : IIntegrationEvent;

/// <summary>
/// A settlement was reversed (refund): whatever it triggered is undone or recovered. It carries the same classified
/// visit as the settlement, so a consumer that hears of the reversal first knows what it undoes.
/// </summary>
public sealed record SettlementReversed(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid SettlementId,
    string InstitutionCode,
    string IdNumber,
    ClassifiedVisit Visit,
    DateOnly ServiceDate,
    decimal FundAmount,
    string Reason,
    Guid? RegistrationId) : IIntegrationEvent;

/// <summary>
/// A manual reimbursement case moved from one state to another. <see cref="Site"/> is the site that took the case in:
/// a rejection's reason goes back to the applicant through it.
/// </summary>
public sealed record ReimbursementCaseChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CaseId,
    string IdNumber,
    string? ApplicantPhone,
    string Item,
    string From,
    string To,
    string Reason,
    string Site,
    decimal ClaimedAmount,
    decimal? ApprovedAmount,
    DateOnly DueDate,
    string Region = "") : IIntegrationEvent;
