namespace MaternityCloud.Contracts.Events;

/// <summary>
/// Claims settled a visit. Codes are the national platform's: <see cref="MedicalType"/> med_type (51 maternity
/// outpatient, 52 maternity inpatient, 5301/5302 family planning), <see cref="MaternityCategory"/> matn_type
/// (1 normal, 2 assisted, 3 caesarean, 4 dystocia, 5 miscarriage, 6 induced labour, 7 prenatal check, 9 other) and
/// <see cref="FamilyPlanningCategory"/> birctrl_type. Amounts are yuan as decimal.
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
    decimal IndividualAmount) : IIntegrationEvent;
