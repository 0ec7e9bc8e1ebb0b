using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Enrollment.Domain;

/// <summary>
/// 备案登记: the unemployed spouse (未就业配偶) of an insured male employee, filed so that her maternity medical costs
/// are covered through his insurance. Verified against the civil-affairs marriage record when filed.
/// </summary>
public sealed record SpouseFiling(
    Guid FilingId,
    ResidentIdNumber SpouseIdNumber,
    string SpouseName,
    Guid EmployeePersonId,
    string MarriageCertificateNumber,
    DateOnly FiledOn,
    string FiledBy,
    string InstitutionCode,
    DateTimeOffset CreatedAt);

/// <summary>A marriage registration as civil affairs (民政) reports it, and its dissolution (离婚登记) if it reported one.</summary>
public sealed record MarriageRecord(
    string CertificateNumber, ResidentIdNumber HusbandIdNumber, ResidentIdNumber WifeIdNumber, DateOnly RegisteredOn, DateOnly? DissolvedOn = null);

/// <summary>A birth as the health commission (卫健委) reports it with the birth medical certificate (出生医学证明).</summary>
public sealed record BirthRecord(
    string CertificateNumber,
    DateOnly BirthDate,
    string NewbornName,
    ResidentIdNumber MotherIdNumber,
    ResidentIdNumber GuardianIdNumber,
    string GuardianName,
    string? GuardianMobilePhone,
    string Region);
