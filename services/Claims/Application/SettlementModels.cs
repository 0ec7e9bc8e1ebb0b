using MaternityCloud.Claims.Domain;
using MaternityCloud.Contracts.Codes;

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
    Guid? PregnancyId,
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
    IReadOnlyList<SettledLine> Lines)
{
    /// <summary>The visit as classified when it was settled, from the codes stored with it.</summary>
    public ClassifiedVisit Visit => NationalCodes.ClassifyStored(MedicalType, MaternityCategory, FamilyPlanningCategory, FetusCount, GestationalWeeks,
        Dystocia, Complication)
        ?? throw new InvalidOperationException($"settlement {SettlementId} holds codes that no longer classify");
}

/// <summary>An institution's standing in the registry on the service date, as Enrollment answers it.</summary>
public sealed record InstitutionStanding(
    string InstitutionCode, bool Designated, string Region, bool MaternityQualified, bool FamilyPlanningQualified, bool CrossRegionSettlement);

/// <summary>
/// What Enrollment answered about the person on the service date: eligible or every reason not, under the rules of
/// <see cref="Region"/> (the person's pooling region from the insurance record; empty when not insured), and the
/// institution's standing when one was named.
/// </summary>
public sealed record EligibilityAnswer(
    bool Eligible, IReadOnlyList<(string Code, string Message)> Reasons, string PolicyVersion, bool AsFiledSpouse, string Region,
    InstitutionStanding? Institution);

/// <summary>
/// A pregnancy's registration as Prenatal knows it: its id, its pregnancy, the prenatal quota it opened, and Prenatal's
/// count of its changes when this was learned (so an older event arriving later cannot close it).
/// </summary>
public sealed record OpenRegistration(Guid RegistrationId, Guid PregnancyId, string IdNumber, string Region, decimal Quota, int StateVersion);

/// <summary>Enrollment's eligibility decision (cached there in Redis) and the registry's answer for the institution.</summary>
public interface IEligibility
{
    Task<EligibilityAnswer> CheckMaternityMedicalAsync(string idNumber, DateOnly serviceDate, string? institutionCode, CancellationToken ct);
}

/// <summary>Whom an electronic medical-insurance code identifies: the ID number (null for a newborn before household registration).</summary>
public sealed record CodeHolder(string? IdNumber);

/// <summary>The visit certificates only the platform can resolve: the electronic codes Enrollment issued.</summary>
public interface IVisitCertificates
{
    /// <summary>The holder, or null for a code the platform never issued.</summary>
    Task<CodeHolder?> ResolveElectronicCodeAsync(string code, CancellationToken ct);
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

public static class Regions
{

    /// <summary>The person's pooling region on a date, from Enrollment's insurance record; refused when the person is not insured.</summary>
    public static async Task<string> OfPersonAsync(IEligibility eligibility, BuildingBlocks.Domain.ResidentIdNumber person, DateOnly on, CancellationToken ct)
    {
        var answer = await eligibility.CheckMaternityMedicalAsync(person.Value, on, null, ct);
        return answer.Region.Length > 0 ? answer.Region
            : throw new BuildingBlocks.Domain.RuleViolationException("not-insured", $"{person.Masked} has no insurance record on {on:yyyy-MM-dd}, so no pooling region");
    }
}
