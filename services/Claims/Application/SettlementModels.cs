using MaternityCloud.Claims.Domain;

namespace MaternityCloud.Claims.Application;

public sealed record SettleCommand(
    string InstitutionCode,
    string RequestId,
    string IdNumber,
    string Region,
    int CertificateType,
    string CertificateNumber,
    string MedicalType,
    string MaternityCategory,
    string FamilyPlanningCategory,
    int GestationalWeeks,
    int FetusCount,
    bool Complication,
    bool Dystocia,
    string ServiceDate,
    IReadOnlyList<(string ItemCode, string ItemName, string Quantity, string UnitPrice, string Amount)> Lines,
    string TotalAmount,
    byte[] Fingerprint);

public enum SettlementStatus
{
    Preview = 1,
    Settled = 2,
    Reversed = 3,
}

/// <summary>A line as settled, with the intelligent audit's flags on it.</summary>
public sealed record SettledLine(LineSplit Split, IReadOnlyList<string> Flags);

/// <summary>A settlement as a hospital and an operator read it: the visit, the rules used, the split and every line.</summary>
public sealed record SettlementRecord(
    Guid SettlementId,
    string InstitutionCode,
    string RequestId,
    string IdNumber,
    string Region,
    string PolicyVersion,
    string MedicalType,
    string? MaternityCategory,
    string? FamilyPlanningCategory,
    int GestationalWeeks,
    int FetusCount,
    bool Complication,
    bool Dystocia,
    DateOnly ServiceDate,
    SettlementScope Scope,
    bool AsFiledSpouse,
    Guid? RegistrationId,
    decimal? QuotaCap,
    decimal? QuotaUsedBefore,
    decimal QuotaConsumed,
    decimal Total,
    decimal Fund,
    decimal Transferred,
    decimal Individual,
    SettlementStatus State,
    DateTimeOffset? SettledAt,
    DateTimeOffset? ReversedAt,
    string? ReversalReason,
    IReadOnlyList<SettledLine> Lines);

/// <summary>What Enrollment answered about the person on the service date.</summary>
public sealed record EligibilityAnswer(bool Eligible, IReadOnlyList<(string Code, string Message)> Reasons, string PolicyVersion, bool AsFiledSpouse);

/// <summary>A pregnancy's registration as Prenatal knows it: its id and the prenatal quota it opened.</summary>
public sealed record OpenRegistration(Guid RegistrationId, string IdNumber, string Region, decimal Quota);

/// <summary>Enrollment's eligibility decision (cached there in Redis).</summary>
public interface IEligibility
{
    Task<EligibilityAnswer> CheckMaternityMedicalAsync(string idNumber, DateOnly serviceDate, string region, CancellationToken ct);
}

/// <summary>Prenatal's registrations: find the open one, or create one automatically (intelligent registration).</summary>
public interface IPrenatalRegistrations
{
    Task<OpenRegistration?> FindOpenAsync(string idNumber, CancellationToken ct);

    Task<OpenRegistration> EnsureAsync(string idNumber, string region, DateOnly serviceDate, int gestationalWeeks, int fetusCount,
        string hospitalCode, CancellationToken ct);
}

public sealed record ReconcileTotals(string? MedicalType, int SettlementCount, int ReversalCount, decimal Total, decimal Fund, decimal Transferred, decimal Individual);

public sealed record Reconciliation(ReconcileTotals Total, IReadOnlyList<ReconcileTotals> ByMedicalType, bool Compared, bool Matched, decimal Difference);

public sealed record AuditFlagRecord(
    long FlagId, Guid SettlementId, string InstitutionCode, int LineNo, string ItemCode, string Rule, string Detail, string State,
    DateTimeOffset RaisedAt, string? ReviewedBy, string? ReviewNote);

public sealed record CrossRegionFilingRecord(Guid FilingId, string IdNumber, string Region, string Destination, DateOnly ValidFrom, DateOnly ValidTo, string FiledBy);
