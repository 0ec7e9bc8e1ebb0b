using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Domain;
using MaternityCloud.Claims.Infrastructure;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Claims.Application;

public sealed record FileCase(
    CaseOperator? Operator, string RequestId, string IdNumber, string Region, ReimbursementItem? Item, string ServiceDate, string ClaimedAmount,
    IReadOnlyList<string> Documents, string ApplicantPhone);

/// <summary>A case with its audit trail and how many working days are left (negative: past the limit).</summary>
public sealed record CaseView(ReimbursementCase Case, IReadOnlyList<CaseTransition> Transitions, int WorkingDaysLeft);

/// <summary>
/// Manual reimbursement (零星报销) as the Fuzhou notice lays it out: a site takes the case in, the fund centre reviews
/// and pays, every transition is audited and announced, a rejection carries its reason back through the site, and
/// each case runs against its time limit in working days.
/// </summary>
public sealed class ReimbursementCaseHandlers(
    ServiceDatabase database, CaseStore store, RegionPolicyCatalog policies, IEligibility eligibility, WorkingDayCalendar calendar, TimeProvider clock)
{
    public async Task<CaseView> FileAsync(FileCase command, CancellationToken ct)
    {
        var v = new Validator();
        var who = Operator(v, command.Operator);
        var requestId = v.Text("request_id", command.RequestId, 64);
        var person = v.IdNumber("id_number", command.IdNumber);
        var today = clock.GetLocalToday();
        var serviceDate = v.Date("service_date", command.ServiceDate, notAfter: today);
        v.Check(command.Item is not null, "item", "must be prenatal check, childbirth or family planning");
        var claimed = v.Money("claimed_amount", command.ClaimedAmount);
        if (!v.HasErrorFor("claimed_amount")) v.Check(claimed > 0, "claimed_amount", "must be more than zero");
        var documents = command.Documents.Select(d => (d ?? "").Trim()).Where(d => d.Length > 0).Distinct().ToList();
        v.Check(documents.Count > 0, "documents", "list the documents handed in");
        var phone = (command.ApplicantPhone ?? "").Trim();
        v.Check(phone.Length == 0 || (phone.Length == 11 && phone[0] == '1' && phone.All(char.IsAsciiDigit)), "applicant_phone", "must be an 11-digit mobile number");
        v.StatedRegion("region", command.Region);
        v.ThrowIfInvalid();
        if (!(who!.IsClerk || who.Role == OperatorRole.Administrator))
            throw new PermissionDeniedException($"cases are filed by the clerk of the site that takes them in, not a {who.Role}");
        // The case is judged by the person's pooling region on the service date, from the insurance record.
        var region = await Regions.OfPersonAsync(eligibility, person, serviceDate, ct);
        new Validator().Agrees("region", command.Region, region, $"the person's pooling region on {serviceDate:yyyy-MM-dd}").ThrowIfInvalid();
        var policy = policies.InForce(region, serviceDate);

        var rules = policy.Reimbursement.Items[command.Item!.Value];
        var due = calendar.AddWorkingDays(today, rules.TimeLimitWorkingDays);
        var filed = new ReimbursementCase(Guid.CreateVersion7(), requestId, person, policy.Region, policy.Version, command.Item.Value, serviceDate,
            claimed, null, documents, who.Site, phone.Length == 0 ? null : phone, CaseState.Applied, today, due, null, null);

        return await database.InTransactionAsync(async (tx, token) =>
        {
            if (!await store.TryInsertAsync(tx, filed, token))
            {
                var existing = (await store.FindByRequestAsync(tx.Connection, who.Site, requestId, token))!;
                if (existing.IdNumber != person || existing.Item != filed.Item || existing.ClaimedAmount != claimed)
                    throw new AlreadyExistsException("reimbursement case request", $"{who.Site}/{requestId}",
                        $"request id {requestId} was used for case {existing.CaseId} with different content");
                return await ViewAsync(tx, existing, token);
            }
            var transition = new CaseTransition(null, CaseState.Applied, who.OperatorId, who.Role, who.Site, clock.GetUtcNowForDatabase(),
                $"filed with {documents.Count} document(s); time limit {rules.TimeLimitWorkingDays} working days, due {due.Date:yyyy-MM-dd}");
            await store.AddTransitionAsync(tx, filed.CaseId, transition, token);
            Announce(tx, filed, null, transition);
            return await ViewAsync(tx, filed, token);
        }, ct);
    }

    public Task<CaseView> AcceptAsync(CaseOperator? who, string caseId, string note, CancellationToken ct) =>
        MoveAsync(who, caseId, CaseFlow.Action.Accept, new Validator(), c =>
        {
            var missing = CaseFlow.MissingDocuments(c, Rules(c));
            if (missing.Count > 0)
                throw new RuleViolationException("documents-incomplete",
                    $"case {c.CaseId} lacks {string.Join(", ", missing)}: accept it when they are handed in, or reject it with that reason");
            return (c, Reason(note, "accepted: documents complete"));
        }, ct);

    public Task<CaseView> TransferAsync(CaseOperator? who, string caseId, string note, CancellationToken ct) =>
        MoveAsync(who, caseId, CaseFlow.Action.Transfer, new Validator(), c => (c, Reason(note, "transferred to the fund centre")), ct);

    public Task<CaseView> ReviewAsync(CaseOperator? who, string caseId, bool approve, string approvedAmount, string reason, CancellationToken ct)
    {
        var v = new Validator();
        if (approve)
        {
            var amount = v.Money("approved_amount", approvedAmount);
            if (!v.HasErrorFor("approved_amount")) v.Check(amount > 0, "approved_amount", "must be more than zero");
            return MoveAsync(who, caseId, CaseFlow.Action.Approve, v, c =>
            {
                if (amount > c.ClaimedAmount)
                    throw new RuleViolationException("approved-within-claim", $"approved {amount:0.00} exceeds the claimed {c.ClaimedAmount:0.00}");
                return (c with { ApprovedAmount = amount }, Reason(reason, $"approved {amount:0.00} of {c.ClaimedAmount:0.00}"));
            }, ct);
        }
        var why = v.Text("reason", reason, 500);
        return MoveAsync(who, caseId, CaseFlow.Action.Reject, v, c => (c with { RejectionReason = why }, why), ct);
    }

    public Task<CaseView> PayAsync(CaseOperator? who, string caseId, string paymentReference, CancellationToken ct)
    {
        var v = new Validator();
        var reference = v.Text("payment_reference", paymentReference, 64);
        return MoveAsync(who, caseId, CaseFlow.Action.Pay, v, c => (c with { PaymentReference = reference }, $"paid {c.ApprovedAmount:0.00}, reference {reference}"), ct);
    }

    public Task<CaseView> CloseAsync(CaseOperator? who, string caseId, string note, CancellationToken ct) =>
        MoveAsync(who, caseId, CaseFlow.Action.Close, new Validator(), c => (c, Reason(note, "closed (办结)")), ct);

    public async Task<CaseView> GetAsync(CaseOperator? who, string caseId, CancellationToken ct)
    {
        var v = new Validator();
        var operatorFound = Operator(v, who);
        var id = v.Uuid("case_id", caseId);
        v.ThrowIfInvalid();
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var c = await store.FindAsync(tx.Connection, id, token) ?? throw new NotFoundException("reimbursement case", caseId);
            c.RequireVisibleTo(operatorFound!);
            tx.About(c.IdNumber.Value); // the read is audited in this transaction, as a read of this person's record
            return new CaseView(c, await store.TransitionsAsync(tx.Connection, id, token), WorkingDaysLeft(c));
        }, ct);
    }

    /// <summary>A clerk's list holds their site's cases only; the fund centre's holds every site's.</summary>
    public async Task<IReadOnlyList<CaseView>> ListAsync(CaseOperator? who, CaseState? state, bool overdueOnly, int pageSize, CancellationToken ct)
    {
        var v = new Validator();
        var operatorFound = Operator(v, who);
        v.Check(pageSize is >= 0 and <= 500, "page_size", "must be from 1 to 500 (0 means 100)");
        v.ThrowIfInvalid();
        var cases = await database.InTransactionAsync((tx, token) => store.ListAsync(tx.Connection, operatorFound!.IsFundCentre ? null : operatorFound.Site,
            state, overdueOnly ? clock.GetLocalToday() : null, pageSize == 0 ? 100 : pageSize, token), ct);
        return cases.Select(c => new CaseView(c, [], WorkingDaysLeft(c))).ToList();
    }

    private async Task<CaseView> MoveAsync(CaseOperator? who, string caseId, CaseFlow.Action action, Validator v,
        Func<ReimbursementCase, (ReimbursementCase Changed, string Reason)> change, CancellationToken ct)
    {
        var operatorFound = Operator(v, who);
        var id = v.Uuid("case_id", caseId);
        v.ThrowIfInvalid();
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var current = await store.FindAsync(tx.Connection, id, token, forUpdate: true) ?? throw new NotFoundException("reimbursement case", caseId);
            var next = CaseFlow.Next(current, action, operatorFound!);
            var (changed, reason) = change(current);
            changed = changed with { State = next };
            var transition = new CaseTransition(current.State, next, operatorFound!.OperatorId, operatorFound.Role, operatorFound.Site,
                clock.GetUtcNowForDatabase(), reason);
            await store.UpdateAsync(tx, changed, transition, token);
            Announce(tx, changed, current.State, transition);
            return await ViewAsync(tx, changed, token);
        }, ct);
    }

    private void Announce(OutboxTransaction tx, ReimbursementCase c, CaseState? from, CaseTransition t) =>
        tx.Publish(new ReimbursementCaseChanged(Guid.CreateVersion7(), t.At, c.CaseId, c.IdNumber.Value, c.ApplicantPhone, c.Item.ToString(),
            from?.ToString() ?? "", t.To.ToString(), t.Reason, c.Site, c.ClaimedAmount, c.ApprovedAmount, c.Due.Date, c.Region));

    private async Task<CaseView> ViewAsync(OutboxTransaction tx, ReimbursementCase c, CancellationToken ct) =>
        new(c, await store.TransitionsAsync(tx.Connection, c.CaseId, ct), WorkingDaysLeft(c));

    private int WorkingDaysLeft(ReimbursementCase c) => calendar.WorkingDaysBetween(clock.GetLocalToday(), c.Due.Date);

    private ReimbursementItemRules Rules(ReimbursementCase c)
    {
        var policy = policies.Versions(c.Region).LastOrDefault(p => p.Version == c.PolicyVersion) ?? policies.Resolve(c.Region, c.ServiceDate).Policy!;
        return policy.Reimbursement.Items[c.Item];
    }

    private static string Reason(string note, string fallback) => string.IsNullOrWhiteSpace(note) ? fallback : note.Trim();

    private static CaseOperator? Operator(Validator v, CaseOperator? who)
    {
        if (who is null) { v.Add("operator", "is required: operator_id, role and site"); return null; }
        var id = v.Text("operator.operator_id", who.OperatorId);
        v.Check(Enum.IsDefined(who.Role), "operator.role", "must be grassroots clerk, service-station clerk, fund auditor or administrator");
        var site = v.Text("operator.site", who.Site);
        return who with { OperatorId = id, Site = site };
    }
}
