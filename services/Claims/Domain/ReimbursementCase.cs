using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Claims.Domain;

/// <summary>The states of a delegated item (代收代办): 申请-受理-移交-审核-拨付-办结, or rejected with a reason.</summary>
public enum CaseState
{
    Applied = 1,
    Accepted = 2,
    Transferred = 3,
    Approved = 4,
    Paid = 5,
    Closed = 6,
    Rejected = 7,
}

/// <summary>Who acts on a case (from their credential). Clerks work at one site; the fund centre's auditors and administrators see every site.</summary>
public sealed record CaseOperator(string OperatorId, OperatorRole Role, string Site)
{
    public bool IsClerk => Role is OperatorRole.GrassrootsClerk or OperatorRole.ServiceStationClerk;
    public bool IsFundCentre => Role is OperatorRole.FundAuditor or OperatorRole.Administrator;
}

/// <summary>A manual reimbursement case (零星报销): filed at a site, handled by the fund centre, with a time limit.</summary>
public sealed record ReimbursementCase(
    Guid CaseId,
    string RequestId,
    ResidentIdNumber IdNumber,
    string Region,
    string PolicyVersion,
    ReimbursementItem Item,
    DateOnly ServiceDate,
    decimal ClaimedAmount,
    decimal? ApprovedAmount,
    IReadOnlyList<string> Documents,
    string Site,
    string? ApplicantPhone,
    CaseState State,
    DateOnly FiledOn,
    WorkingDayDeadline Due,
    string? RejectionReason,
    string? PaymentReference)
{
    /// <summary>A clerk sees the cases of their own site only; the fund centre sees all.</summary>
    public void RequireVisibleTo(CaseOperator who)
    {
        if (who.IsFundCentre || who.Site == Site) return;
        throw new PermissionDeniedException($"case {CaseId} was taken in at another site; a {who.Role} at {who.Site} sees only that site's cases");
    }

    public bool IsOpen => State is not (CaseState.Closed or CaseState.Rejected);
}

/// <summary>Who did what to a case, when, from which state to which, and why. Never changed once written.</summary>
public sealed record CaseTransition(CaseState? From, CaseState To, string OperatorId, OperatorRole Role, string Site, DateTimeOffset At, string Reason);

/// <summary>
/// The case flow as a table: which action moves which state to which, and who may take it. Clerks act on their own
/// site's cases up to the transfer (and may refuse to accept); the fund centre reviews, pays and closes.
/// </summary>
public static class CaseFlow
{
    public enum Action { Accept, Transfer, Approve, Reject, Pay, Close }

    private static readonly Dictionary<Action, (CaseState[] From, CaseState To, Func<CaseOperator, bool> Allowed, string Who)> Steps = new()
    {
        [Action.Accept] = ([CaseState.Applied], CaseState.Accepted, o => o.IsClerk || o.Role == OperatorRole.Administrator, "a clerk of the site"),
        [Action.Transfer] = ([CaseState.Accepted], CaseState.Transferred, o => o.IsClerk || o.Role == OperatorRole.Administrator, "a clerk of the site"),
        [Action.Approve] = ([CaseState.Transferred], CaseState.Approved, o => o.IsFundCentre, "a fund auditor"),
        [Action.Reject] = ([CaseState.Applied, CaseState.Accepted, CaseState.Transferred], CaseState.Rejected, _ => true, "a clerk of the site before transfer, a fund auditor after"),
        [Action.Pay] = ([CaseState.Approved], CaseState.Paid, o => o.IsFundCentre, "a fund auditor"),
        [Action.Close] = ([CaseState.Paid], CaseState.Closed, o => o.IsFundCentre, "a fund auditor"),
    };

    /// <summary>The state the action leads to, or a refusal naming the role or the state rule.</summary>
    public static CaseState Next(ReimbursementCase c, Action action, CaseOperator who)
    {
        c.RequireVisibleTo(who);
        var (from, to, allowed, whoMay) = Steps[action];
        if (!allowed(who) || (action == Action.Reject && !MayReject(c, who)))
            throw new PermissionDeniedException($"{action.ToString().ToLowerInvariant()} is for {whoMay}, not a {who.Role}");
        if (!from.Contains(c.State))
            throw new RuleViolationException("case-state",
                $"case {c.CaseId} is {c.State.ToString().ToLowerInvariant()}; {action.ToString().ToLowerInvariant()} needs it {string.Join(" or ", from.Select(s => s.ToString().ToLowerInvariant()))}");
        return to;
    }

    /// <summary>Documents the region's rules require for the item that the case does not list.</summary>
    public static IReadOnlyList<string> MissingDocuments(ReimbursementCase c, ReimbursementItemRules rules) =>
        rules.RequiredDocuments.Where(required => !c.Documents.Contains(required, StringComparer.Ordinal)).ToList();

    private static bool MayReject(ReimbursementCase c, CaseOperator who) =>
        c.State == CaseState.Transferred ? who.IsFundCentre : who.IsClerk || who.IsFundCentre;
}
