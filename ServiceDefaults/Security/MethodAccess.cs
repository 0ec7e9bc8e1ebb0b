using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.ServiceDefaults.Security;

/// <summary>Who may call a method: institutions, platform services, and operators by role.</summary>
[Flags]
public enum Callers
{
    None = 0,
    Institution = 1,
    Service = 2,
    GrassrootsClerk = 4,
    ServiceStationClerk = 8,
    FundAuditor = 16,
    Administrator = 32,

    Clerks = GrassrootsClerk | ServiceStationClerk,
    FundCentre = FundAuditor | Administrator,
    Operators = Clerks | FundCentre,
}

/// <summary>One method's rule: who may call it, and what the audit log keeps of each call.</summary>
public sealed record MethodAccess(Callers Who, AuditKind Audit = AuditKind.None)
{
    public bool Allows(Caller caller) => (Who & Flag(caller)) != 0;

    public static Callers Flag(Caller caller) => caller.Kind switch
    {
        CallerKind.Institution => Callers.Institution,
        CallerKind.Service => Callers.Service,
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
