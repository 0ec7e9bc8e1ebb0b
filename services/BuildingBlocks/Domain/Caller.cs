namespace MaternityCloud.BuildingBlocks.Domain;

public enum CallerKind
{
    /// <summary>A designated hospital's system (定点医疗机构), identified by its institution code.</summary>
    Institution = 1,
    /// <summary>A person working a site: a clerk, an auditor or an administrator.</summary>
    Operator = 2,
    /// <summary>Another platform service calling on its own behalf (Claims asking Enrollment for eligibility).</summary>
    Service = 3,
    /// <summary>Another government department sharing its records (部门数据共享), identified by its department code.</summary>
    Department = 4,
}

/// <summary>The departments whose records the fund relies on (出生"一件事" and the other joint matters).</summary>
public enum Department
{
    CivilAffairs = 1,       // 民政: marriage registrations and dissolutions
    HealthCommission = 2,   // 卫健: birth medical certificates
    HumanResources = 3,     // 人社: employment, unemployment registration and benefit, retirement
    PublicSecurity = 4,     // 公安: deaths (户籍注销) and detention
    Justice = 5,            // 司法: imprisonment
}

/// <summary>人员权限: what an operator may do. Numbers match the contracts' OperatorRole.</summary>
public enum OperatorRole
{
    GrassrootsClerk = 1,      // 基层服务点经办人员
    ServiceStationClerk = 2,  // 医保服务站经办人员
    FundAuditor = 3,          // 基金审核
    Administrator = 4,
}

/// <summary>
/// Who makes a call, as its credential says and never as the request says. <see cref="Id"/> is the institution code,
/// the operator's id, the service's name or the department's code; an operator also has a role and the site the role is
/// scoped to, a department which department it is and (in <see cref="Site"/>) the pooling region it serves.
/// </summary>
public sealed record Caller(CallerKind Kind, string Id, OperatorRole? Role = null, string? Site = null, Department? Department = null)
{
    public static Caller Institution(string code) => new(CallerKind.Institution, code);
    public static Caller Operator(string id, OperatorRole role, string site) => new(CallerKind.Operator, id, role, site);
    public static Caller Service(string name) => new(CallerKind.Service, name);
    public static Caller OfDepartment(string code, Department department, string region) => new(CallerKind.Department, code, null, region, department);

    public override string ToString() => Kind switch
    {
        CallerKind.Institution => $"institution {Id}",
        CallerKind.Operator => $"operator {Id} ({Role} at {Site})",
        CallerKind.Department => $"department {Id} ({Department} of {Site})",
        _ => $"service {Id}",
    };
}

public enum AuditKind
{
    None = 0,
    /// <summary>Reads a person's record: who looked at whom is kept.</summary>
    Read = 1,
    /// <summary>Changes state: kept in the same transaction as the change where the handler uses one.</summary>
    Change = 2,
}

/// <summary>
/// The call (or consumed event) being served, for the audit log: who, what, about whom. It flows with the work
/// (an AsyncLocal) so that the transaction that changes state can record it atomically without every handler
/// passing it along.
/// </summary>
public sealed class AuditedCall(Caller caller, string action, AuditKind kind, string subject, string? requestId)
{
    private static readonly AsyncLocal<AuditedCall?> Ambient = new();

    public static AuditedCall? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    public Caller Caller { get; } = caller;
    public string Action { get; } = action;
    public AuditKind Kind { get; } = kind;
    public string Subject { get; } = subject;
    public string? RequestId { get; } = requestId;

    /// <summary>The same call, about another subject (the person behind the record the request named).</summary>
    public AuditedCall About(string subject) => new(Caller, Action, Kind, subject, RequestId);

    /// <summary>Set once a committed transaction holds this call's entry, so it is not written again afterwards.</summary>
    public bool Recorded { get; private set; }

    public void MarkRecorded() => Recorded = true;
}

/// <summary>The service's append-only audit log (审计日志). Nothing in any API updates or deletes an entry.</summary>
public interface IAuditLog
{
    Task RecordAsync(AuditedCall call, CancellationToken ct);
}
