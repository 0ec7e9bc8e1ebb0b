using System.Security.Cryptography;
using System.Text;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Enrollment.Domain;

/// <summary>
/// The kinds of record other departments send (部门数据共享) and which department keeps each: only the keeper of a
/// fact may state it, whatever the record says.
/// </summary>
public static class DepartmentRecordKinds
{
    public const string Marriage = "marriage";
    public const string MarriageDissolution = "marriage-dissolution";
    public const string BirthCertificate = "birth-certificate";
    public const string Employment = "employment";
    public const string Unemployment = "unemployment";
    public const string Retirement = "retirement";
    public const string Death = "death";
    public const string Imprisonment = "imprisonment";

    public static readonly IReadOnlyDictionary<string, Department[]> Keepers = new Dictionary<string, Department[]>
    {
        [Marriage] = [Department.CivilAffairs],
        [MarriageDissolution] = [Department.CivilAffairs],
        [BirthCertificate] = [Department.HealthCommission],
        [Employment] = [Department.HumanResources],
        [Unemployment] = [Department.HumanResources],
        [Retirement] = [Department.HumanResources],
        [Death] = [Department.PublicSecurity],
        [Imprisonment] = [Department.Justice, Department.PublicSecurity],
    };

    public static bool Keeps(Department department, string kind) => Keepers.TryGetValue(kind, out var keepers) && keepers.Contains(department);
}

/// <summary>
/// One record as a department sent it, normalised: its kind, the department's own id for it, whom it is about, and the
/// fingerprint that tells a repeat (same id, same content) from a conflict (same id, other content).
/// </summary>
public sealed record DepartmentRecordKey(string Kind, string RecordId, string Subject, string Fingerprint)
{
    public static DepartmentRecordKey Of(string kind, string recordId, string subject, params object?[] content)
    {
        var canonical = string.Join('\u001f', content.Select(c => c switch
        {
            null => "",
            DateOnly d => d.ToString("yyyy-MM-dd"),
            ResidentIdNumber id => id.Value,
            _ => c.ToString(),
        }).Prepend(kind));
        return new DepartmentRecordKey(kind, recordId, subject, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }
}

/// <summary>
/// A status a department reports for a person from a day on (retirement, death) or over a stretch of days (an
/// unemployment-benefit period, imprisonment). Eligibility reads them beside the insurance history: they change the
/// kind a person is insured as, or stop benefits, from their dates, whichever order the records arrive in.
/// </summary>
public sealed record PersonStatus(PersonStatusKind Kind, DateOnly From, DateOnly? To)
{
    public bool Contains(DateOnly date) => From <= date && (To is null || date <= To);
}

public enum PersonStatusKind
{
    UnemploymentBenefit = 1,  // 领取失业保险金: insured as an unemployment-benefit recipient meanwhile
    Retirement = 2,           // 退休: insured as a retiree from the day on
    Death = 3,                // 死亡: no benefit for an event after the day of death
    Imprisonment = 4,         // 服刑/羁押: benefits suspended meanwhile where the region says so
}

/// <summary>Human resources' employment (就业登记) and unemployment (失业登记) registrations of a person.</summary>
public sealed record LabourRecord(LabourRecordKind Kind, DateOnly From, DateOnly? To, string? EmployerCreditCode)
{
    /// <summary>
    /// Employed on <paramref name="day"/> as human resources knows it: an employment registration covers the day and no
    /// unemployment registration since it began says it ended.
    /// </summary>
    public static bool EmployedOn(IReadOnlyCollection<LabourRecord> records, DateOnly day) =>
        records.Any(e => e.Kind == LabourRecordKind.Employment && e.From <= day && (e.To is null || day <= e.To)
            && !records.Any(u => u.Kind == LabourRecordKind.UnemploymentRegistration && u.From >= e.From && u.From <= day));
}

public enum LabourRecordKind
{
    Employment = 1,
    UnemploymentRegistration = 2,
}
