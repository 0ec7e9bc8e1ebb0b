namespace MaternityCloud.Contracts.Events;

/// <summary>
/// Claims settled a visit. Codes are the national platform's: <see cref="MedicalType"/> med_type (51 maternity
/// outpatient, 52 maternity inpatient, 5301/5302 family planning), <see cref="MaternityCategory"/> matn_type
/// (1 normal, 2 assisted, 3 caesarean, 4 dystocia, 5 miscarriage, 6 induced labour, 7 prenatal check, 9 other) and
/// <see cref="FamilyPlanningCategory"/> birctrl_type. Amounts are yuan as decimal. <see cref="Region"/> is the person's
/// pooling region whose rules (<see cref="PolicyVersion"/>) were applied.
/// </summary>
public sealed record SettlementCompleted(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid SettlementId,
    string InstitutionCode,
    string IdNumber,
    string MedicalType,
    string? MaternityCategory,
    string? FamilyPlanningCategory,
    int FetusCount,
    int GestationalWeeks,
    bool Dystocia,
    bool Complication,
    DateOnly ServiceDate,
    decimal FundAmount,
    decimal IndividualAmount,
    string Region = "",
    string PolicyVersion = "",
    bool AsFiledSpouse = false,
    Guid? RegistrationId = null) : IIntegrationEvent;

/// <summary>A settlement was reversed (refund): whatever it triggered is undone or recovered.</summary>
public sealed record SettlementReversed(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid SettlementId,
    string InstitutionCode,
    string IdNumber,
    string MedicalType,
    DateOnly ServiceDate,
    decimal FundAmount,
    string Reason) : IIntegrationEvent;

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
