using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.ServiceDefaults.Security;

/// <summary>Who may call a method: institutions and operators by role (platform services are named one by one).</summary>
[Flags]
public enum Callers
{
    None = 0,
    Institution = 1,
    GrassrootsClerk = 4,
    ServiceStationClerk = 8,
    FundAuditor = 16,
    Administrator = 32,

    CivilAffairs = 64,
    HealthCommission = 128,
    HumanResources = 256,
    PublicSecurity = 512,
    Justice = 1024,

    Clerks = GrassrootsClerk | ServiceStationClerk,
    FundCentre = FundAuditor | Administrator,
    Operators = Clerks | FundCentre,
}

/// <summary>
/// One method's rule: who may call it, and what the audit log keeps of each call. A platform service may call it only
/// when named in <see cref="Services"/> (least privilege: Claims may ask Enrollment for eligibility, Notifications may not).
/// </summary>
public sealed record MethodAccess(Callers Who, AuditKind Audit = AuditKind.None)
{
    /// <summary>The platform services (by their credential's name) that may call the method.</summary>
    public IReadOnlySet<string> Services { get; init; } = new HashSet<string>();

    public bool Allows(Caller caller) => caller.Kind == CallerKind.Service ? Services.Contains(caller.Id) : (Who & Flag(caller)) != 0;

    /// <summary>The same rule, also open to these platform services.</summary>
    public MethodAccess AndServices(params string[] services) => this with { Services = services.ToHashSet(StringComparer.Ordinal) };

    /// <summary>Who the rule admits, for a refusal's words.</summary>
    public string Describe() => Services.Count == 0 ? Who.ToString() : $"{Who} and the services {string.Join(", ", Services.Order())}";

    public static Callers Of(Department department) => department switch
    {
        Department.CivilAffairs => Callers.CivilAffairs,
        Department.HealthCommission => Callers.HealthCommission,
        Department.HumanResources => Callers.HumanResources,
        Department.PublicSecurity => Callers.PublicSecurity,
        Department.Justice => Callers.Justice,
        _ => Callers.None,
    };

    public static Callers Flag(Caller caller) => caller.Kind switch
    {
        CallerKind.Institution => Callers.Institution,
        CallerKind.Service => Callers.None,
        CallerKind.Department => caller.Department is { } department ? Of(department) : Callers.None,
        _ => caller.Role switch
        {
            OperatorRole.GrassrootsClerk => Callers.GrassrootsClerk,
            OperatorRole.ServiceStationClerk => Callers.ServiceStationClerk,
            OperatorRole.FundAuditor => Callers.FundAuditor,
            OperatorRole.Administrator => Callers.Administrator,
            _ => Callers.None,
        },
    };
}

/// <summary>The names platform services carry in their credentials (the AppHost issues each its own).</summary>
public static class PlatformServices
{
    public const string Enrollment = "enrollment";
    public const string Prenatal = "prenatal";
    public const string Claims = "claims";
    public const string Allowance = "allowance";
    public const string Notifications = "notifications";
    /// <summary>The operations web app, reading the business figures for operators.</summary>
    public const string Operations = "operations";
    /// <summary>The official account's front end, keeping a person's contact preferences.</summary>
    public const string OfficialAccount = "official-account";
}

/// <summary>
/// A gRPC service's rules, one per method, keyed by method name. The interceptor refuses a method of the service
/// with no rule (fail closed): adding a method without deciding who may call it cannot open it to everyone.
/// </summary>
public sealed class MethodAccessTable(string serviceName) : Dictionary<string, MethodAccess>(StringComparer.Ordinal)
{
    /// <summary>The full gRPC service name, e.g. <c>maternitycloud.claims.v1.Claims</c>.</summary>
    public string ServiceName { get; } = serviceName;
}

/// <summary>Every table the service registered (AddMethodAccess), by full method path, built once.</summary>
public sealed class MethodAccessRules(IEnumerable<MethodAccessTable> tables)
{
    private static readonly MethodAccess Closed = new(Callers.None);
    private readonly Dictionary<string, MethodAccess> _rules = tables
        .SelectMany(t => t.Select(r => (Method: $"/{t.ServiceName}/{r.Key}", Rule: r.Value)))
        .ToDictionary(x => x.Method, x => x.Rule, StringComparer.Ordinal);
    private readonly HashSet<string> _services = tables.Select(t => t.ServiceName).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The rule for "/{service}/{method}"; a method of a table's service with no rule of its own is closed to everyone;
    /// null for methods that are not the platform's (health, reflection).
    /// </summary>
    public MethodAccess? For(string method) =>
        _rules.TryGetValue(method, out var rule) ? rule
        : _services.Contains(method.TrimStart('/').Split('/')[0]) ? Closed
        : null;
}
