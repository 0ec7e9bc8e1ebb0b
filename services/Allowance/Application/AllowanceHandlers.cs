using MaternityCloud.Allowance.Domain;
using MaternityCloud.Allowance.Infrastructure;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Allowance.Application;

public sealed record ApplyForAllowance(
    Channel? Channel, string RequestId, string IdNumber, string Region, EventKind? Kind, string EventDate, int FetusCount, bool Dystocia,
    int GestationalWeeks, string FamilyPlanningCategory, string Applicant);

/// <summary>
/// Allowance cases without anyone applying (免申办): a childbirth or family-planning settlement opens the case by itself;
/// applications from the hospital or a grassroots point land on the same case. The facts come from Enrollment on the
/// event date; a case with every fact verified is approved at once with its due date, one with a missing fact waits for
/// an operator with the fact named, and a refused one records every reason.
/// </summary>
public sealed partial class AllowanceHandlers(
    ServiceDatabase database,
    AllowanceStore store,
    IEnrollmentFacts facts,
    RegionPolicyCatalog policies,
    WorkingDayCalendar calendar,
    TimeProvider clock,
    ILogger<AllowanceHandlers> logger)
    : IIntegrationEventHandler<SettlementCompleted>, IIntegrationEventHandler<SettlementReversed>
{
    private sealed record Assessment(CaseState State, IReadOnlyList<Finding> Findings, string? Employer, AllowanceComputation? Computation,
        DateOnly? ApprovedOn, DateOnly? DueDate);

    public bool Concerns(SettlementCompleted e) => e.Region.Length > 0 && FromSettlement(e) is not null;

    public async Task HandleAsync(SettlementCompleted e, OutboxTransaction tx, CancellationToken ct) =>
        await ReportAsync(tx, new EventReport(e.IdNumber, e.Region, FromSettlement(e)!, Channel.Settlement, e.SettlementId.ToString(), e.SettlementId), ct);

    public async Task<CaseView> ApplyAsync(ApplyForAllowance command, CancellationToken ct)
    {
        var v = new Validator();
        v.Check(command.Channel is Channel.HospitalJointForm or Channel.GrassrootsPoint, "channel", "must be the hospital's joint form or a grassroots point");
        var requestId = v.Text("request_id", command.RequestId, 64);
        var person = v.IdNumber("id_number", command.IdNumber);
        var date = v.Date("event_date", command.EventDate, notAfter: clock.GetLocalToday());
        v.Check(command.Kind is not null, "event_kind", "must be childbirth, miscarriage, family planning or nursing leave");
        var fetuses = command.FetusCount == 0 ? 1 : command.FetusCount;
        v.Check(fetuses is >= 1 and <= 9, "fetus_count", "must be from 1 to 9 (0 means 1)");
        v.Check(command.GestationalWeeks is >= 0 and <= 44, "gestational_weeks", "must be from 0 to 44");
        if (command.Kind == EventKind.Miscarriage) v.Check(command.GestationalWeeks >= 1, "gestational_weeks", "is required for a miscarriage (its days depend on it)");
        BenefitCategory? category = null;
        if (command.Kind == EventKind.FamilyPlanning)
        {
            category = BirthEvent.FromSettlement("5301", null, command.FamilyPlanningCategory, 1, 0, false, date)?.Category;
            v.Check(category is not null, "family_planning_category", "must be birctrl_type 1, 2 or 5-9 for a family-planning surgery");
        }
        v.Text("applicant", command.Applicant);
        var policy = v.Region(policies, "region", command.Region, v.HasErrorFor("event_date") ? null : date);
        v.ThrowIfInvalid();

        var birth = new BirthEvent(command.Kind!.Value, date, fetuses, command.Dystocia, command.GestationalWeeks, category);
        var report = new EventReport(person.Value, policy!.Region, birth, command.Channel!.Value, requestId, null);
        return await database.InTransactionAsync((tx, token) => ReportAsync(tx, report, token), ct);
    }

    public async Task<CaseView> GetAsync(string caseId, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("case_id", caseId);
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        var c = await store.FindAsync(connection, id, ct) ?? throw new NotFoundException("allowance case", caseId);
        return new CaseView(c, await store.ReportsAsync(connection, id, ct));
    }

    public async Task<IReadOnlyList<AllowanceCase>> ListAsync(string employer, CaseState? state, string dueBefore, int pageSize, CancellationToken ct)
    {
        var v = new Validator();
        DateOnly? due = string.IsNullOrWhiteSpace(dueBefore) ? null : v.Date("due_before", dueBefore);
        v.Check(pageSize is >= 0 and <= 500, "page_size", "must be from 1 to 500 (0 means 100)");
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await store.ListAsync(connection, string.IsNullOrWhiteSpace(employer) ? null : employer.Trim(), state, due, pageSize == 0 ? 100 : pageSize, ct);
    }

    /// <summary>An operator approves a waiting case: the facts are read again and must now all be verified.</summary>
    public async Task<CaseView> ApproveAsync(string caseId, string operatorName, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("case_id", caseId);
        v.Text("operator", operatorName);
        v.ThrowIfInvalid();
        AllowanceCase current;
        await using (var connection = await database.DataSource.OpenConnectionAsync(ct))
            current = await store.FindAsync(connection, id, ct) ?? throw new NotFoundException("allowance case", caseId);
        current.Require(CaseState.PendingReview, "approval");
        var assessment = await AssessAsync(current.IdNumber.Value, current.Event, Policy(current.Region, current.Event.Date), ct);
        if (assessment.State != CaseState.Approved)
            throw new RuleViolationException(assessment.Findings.FirstOrDefault()?.Code ?? "facts-missing",
                $"case {id} cannot be approved yet: {string.Join("; ", assessment.Findings.Select(f => f.Message))}")
            { Reasons = assessment.Findings.Select(f => (f.Code, f.Message)).ToList() };

        return await database.InTransactionAsync(async (tx, token) =>
        {
            var locked = await store.FindAsync(tx.Connection, id, token, forUpdate: true) ?? throw new NotFoundException("allowance case", caseId);
            locked.Require(CaseState.PendingReview, "approval");
            var approved = Apply(locked, assessment);
            await store.UpdateAsync(tx, approved, clock.GetUtcNowForDatabase(), token);
            Announce(tx, approved);
            return new CaseView(approved, await store.ReportsAsync(tx.Connection, id, token));
        }, ct);
    }

    public async Task<CaseView> RefuseAsync(string caseId, string operatorName, string reason, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("case_id", caseId);
        var who = v.Text("operator", operatorName);
        var why = v.Text("reason", reason, 500);
        v.ThrowIfInvalid();
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var c = await store.FindAsync(tx.Connection, id, token, forUpdate: true) ?? throw new NotFoundException("allowance case", caseId);
            if (c.State is not (CaseState.PendingReview or CaseState.Approved))
                throw new RuleViolationException("case-state", $"allowance case {id} is {c.State}; only a case waiting for review or payment can be refused");
            var refused = c with { State = CaseState.Refused, Findings = [.. c.Findings, new Finding("refused-by-operator", $"{who}: {why}")], DueDate = null };
            await store.UpdateAsync(tx, refused, clock.GetUtcNowForDatabase(), token);
            Announce(tx, refused, operatorReason: why);
            return new CaseView(refused, await store.ReportsAsync(tx.Connection, id, token));
        }, ct);
    }

    /// <summary>
    /// A reversed settlement undoes its case: before payment the case is cancelled; in a batch without the bank's answer
    /// it is marked so the answer decides (paid: recovery, failed: cancelled); after payment a recovery opens.
    /// </summary>
    public async Task HandleAsync(SettlementReversed e, OutboxTransaction tx, CancellationToken ct)
    {
        if (await store.FindBySettlementAsync(tx.Connection, e.SettlementId, ct) is not { } c) return;
        var reason = $"settlement {e.SettlementId} reversed: {e.Reason}";
        var changed = c.State switch
        {
            CaseState.PendingReview or CaseState.Approved => c with { State = CaseState.Cancelled, DueDate = null, Findings = [.. c.Findings, new Finding("settlement-reversed", reason)] },
            CaseState.InPayment => c with { ReversalPending = true, Findings = [.. c.Findings, new Finding("settlement-reversed", reason)] },
            CaseState.Paid => c with { State = CaseState.RecoveryOpen, Findings = [.. c.Findings, new Finding("settlement-reversed", reason)] },
            _ => null,
        };
        if (changed is null) return;
        await store.UpdateAsync(tx, changed, clock.GetUtcNowForDatabase(), ct);
        Announce(tx, changed, reason);
    }

    /// <summary>One case per person and event: a report already taken, or of an event already known, lands on its case.</summary>
    private async Task<CaseView> ReportAsync(OutboxTransaction tx, EventReport report, CancellationToken ct)
    {
        await store.LockPersonAsync(tx, report.IdNumber, ct);
        var known = await store.FindByReportAsync(tx.Connection, report.Channel, report.Reference, ct)
            ?? (await store.NearAsync(tx.Connection, report.IdNumber, report.Event.Date, ct)).FirstOrDefault(c => c.Event.SameAs(report.Event));
        var at = clock.GetUtcNowForDatabase();
        if (known is not null)
        {
            await store.AddReportAsync(tx, known.CaseId, report.Channel, report.Reference, at, ct);
            if (report.SettlementId is { } settlement && known.SettlementId is null)
                await store.UpdateAsync(tx, known = known with { SettlementId = settlement }, at, ct);
            return new CaseView(known, await store.ReportsAsync(tx.Connection, known.CaseId, ct));
        }

        var policy = Policy(report.Region, report.Event.Date);
        var assessment = await AssessAsync(report.IdNumber, report.Event, policy, ct);
        var opened = Apply(new AllowanceCase(Guid.CreateVersion7(), ResidentIdNumber.FromStored(report.IdNumber), policy.Region, policy.Version,
            report.Event, null, null, CaseState.PendingReview, [], null, null, report.SettlementId, null, false, at), assessment);
        await store.InsertAsync(tx, opened, ct);
        await store.AddReportAsync(tx, opened.CaseId, report.Channel, report.Reference, at, ct);
        Announce(tx, opened);
        LogOpened(opened.CaseId, opened.IdNumber.Masked, opened.State, report.Channel);
        return new CaseView(opened, await store.ReportsAsync(tx.Connection, opened.CaseId, ct));
    }

    /// <summary>Reads the facts on the event date and decides: approved with the computation, waiting with the missing fact, or refused.</summary>
    private async Task<Assessment> AssessAsync(string idNumber, BirthEvent e, RegionPolicy policy, CancellationToken ct)
    {
        var eligibility = await facts.CheckAllowanceAsync(idNumber, e.Date, policy.Region, ct);
        if (!eligibility.Eligible)
            return new Assessment(CaseState.Refused, eligibility.Reasons.Select(r => new Finding(r.Code, r.Message)).ToList(), eligibility.EmployerCreditCode, null, null, null);
        var days = AllowanceRules.LeaveDays(policy.Allowance, e);
        if (days.Sum(l => l.Days) == 0)
            return new Assessment(CaseState.Refused,
                [new Finding("no-leave-days", $"region {policy.Region} ({policy.Version}) pays no allowance days for {e.Kind} {e.Category}")],
                eligibility.EmployerCreditCode, null, null, null);
        if (eligibility.EmployerCreditCode is not { } employer)
            return new Assessment(CaseState.PendingReview, [new Finding("employer-unknown", "no employer on the event date: the allowance is paid to an employer")], null, null, null, null);
        var wageYear = e.Date.Year - 1;
        if (await facts.AverageMonthlyWageAsync(employer, wageYear, ct) is not { } wage)
            return new Assessment(CaseState.PendingReview,
                [new Finding("employer-wage-missing", $"employer {employer} has no average monthly wage for {wageYear} (上年度职工月平均工资)")], employer, null, null, null);
        var today = clock.GetLocalToday();
        return new Assessment(CaseState.Approved, [], employer, AllowanceRules.Compute(policy.Allowance, e, wage, wageYear), today,
            calendar.AddWorkingDays(today, policy.Allowance.PaymentDueWorkingDays).Date);
    }

    private static AllowanceCase Apply(AllowanceCase c, Assessment a) => c with
    {
        State = a.State, Findings = a.Findings, EmployerCreditCode = a.Employer ?? c.EmployerCreditCode, Computation = a.Computation ?? c.Computation,
        ApprovedOn = a.ApprovedOn, DueDate = a.DueDate,
    };

    private void Announce(OutboxTransaction tx, AllowanceCase c, string? reason = null, string? operatorReason = null)
    {
        var now = clock.GetUtcNow();
        IIntegrationEvent? e = c.State switch
        {
            CaseState.Approved => new AllowanceApproved(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value, c.EmployerCreditCode!, c.Event.Kind.ToString(),
                c.Event.Date, c.Computation!.Days, c.Computation.DailyAmount, c.Computation.Amount, c.DueDate!.Value, c.Region),
            CaseState.Refused => new AllowanceRefused(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value, c.Event.Kind.ToString(), c.Event.Date,
                c.Findings.Select(f => f.Code).ToList(), string.Join("; ", c.Findings.Select(f => f.Message)), c.Region, operatorReason),
            CaseState.Cancelled => new AllowanceCancelled(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value, reason ?? "cancelled", c.Region),
            CaseState.RecoveryOpen => new AllowanceRecoveryOpened(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value, c.EmployerCreditCode ?? "",
                c.Computation?.Amount ?? 0m, reason ?? "recovery", c.Region),
            _ => null,
        };
        if (e is not null) tx.Publish(e);
    }

    private RegionPolicy Policy(string region, DateOnly date)
    {
        var resolution = policies.Resolve(region, date);
        return resolution.Policy ?? throw new RuleViolationException("region-unknown", resolution.Error!);
    }

    private static BirthEvent? FromSettlement(SettlementCompleted e) =>
        BirthEvent.FromSettlement(e.MedicalType, e.MaternityCategory, e.FamilyPlanningCategory, e.FetusCount, e.GestationalWeeks, e.Dystocia, e.ServiceDate);

    [LoggerMessage(Level = LogLevel.Information, Message = "Allowance case {CaseId} for {IdNumber} opened {State} from {Channel}")]
    private partial void LogOpened(Guid caseId, string idNumber, CaseState state, Channel channel);
}
