using MaternityCloud.Allowance.Domain;
using MaternityCloud.Allowance.Infrastructure;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Codes;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Allowance.Application;

public sealed record ApplyForAllowance(
    Channel? Channel, string RequestId, string IdNumber, string Region, AllowanceEventKind? Kind, string EventDate, int FetusCount, bool Dystocia,
    int GestationalWeeks, string FamilyPlanningCategory, string Applicant);

/// <summary>
/// Allowance cases without anyone applying (免申办): a childbirth or family-planning settlement opens the case by itself;
/// applications from the hospital or a grassroots point land on the same case. A case's facts are always worked out
/// again from everything reported of its event, so the order reports arrive in never matters: the facts of a settlement
/// that stands win (an application that said otherwise is recorded as differing); without one, an application's facts
/// are claims, confirmed by the health commission's birth records or by an operator, and until then the case waits for
/// review with the unverified facts named; a case whose only settlements were reversed is cancelled, and a reversal
/// that arrives first is remembered so its settlement never opens a payable case. The eligibility, the person's region
/// and employer come from Enrollment on the event date; a case with every fact verified is approved at once with its due
/// date, one with a missing fact waits for an operator with the fact named, and a refused one records every reason.
/// </summary>
public sealed partial class AllowanceHandlers(
    ServiceDatabase database,
    AllowanceStore store,
    IEnrollmentFacts facts,
    RegionPolicyCatalog policies,
    WorkingDayCalendar calendar,
    TimeProvider clock,
    ILogger<AllowanceHandlers> logger)
    : IIntegrationEventHandler<SettlementCompleted>, IIntegrationEventHandler<SettlementReversed>, IIntegrationEventHandler<BirthCertificateIssued>,
      IIntegrationEventHandler<InsuredPersonDied>
{
    private sealed record Assessment(CaseState State, IReadOnlyList<Finding> Findings, string? Employer, AllowanceComputation? Computation,
        DateOnly? ApprovedOn, DateOnly? DueDate, string Region, string PolicyVersion);

    /// <summary>The facts a case stands on now, worked out from all its reports; null facts: nothing stands (cancelled).</summary>
    private sealed record StandingFacts(BirthEvent? Event, string? VerifiedBy, Guid? SettlementId, IReadOnlyList<Finding> Notes);

    public bool Concerns(SettlementCompleted e) => e.Visit.OpensAllowance;

    public Task HandleAsync(SettlementCompleted e, OutboxTransaction tx, CancellationToken ct) =>
        ReportAsync(tx, new EventReport(e.IdNumber, BirthEvent.FromVisit(e.Visit, e.ServiceDate)!, Channel.Settlement, e.InstitutionCode,
            e.SettlementId.ToString()), ct);

    public bool Concerns(SettlementReversed e) => e.Visit.OpensAllowance;

    /// <summary>
    /// A settlement was reversed: remembered whether or not its case exists yet, so that the settlement, arriving after,
    /// confirms nothing; its case (if opened) is worked out again without it: cancelled before payment when nothing else
    /// stands, left to the bank's answer while in payment, a recovery after payment.
    /// </summary>
    public async Task HandleAsync(SettlementReversed e, OutboxTransaction tx, CancellationToken ct)
    {
        await store.LockPersonAsync(tx, e.IdNumber, ct);
        if (!await store.RememberReversalAsync(tx, e.SettlementId, e.IdNumber, e.Reason, e.OccurredAt, ct)) return;
        if (await store.FindBySettlementAsync(tx.Connection, e.SettlementId, ct) is not { } c) return;
        await ReconsiderAsync(tx, c, $"settlement {e.SettlementId} reversed: {e.Reason}", ct);
    }

    /// <summary>A birth the health commission recorded may confirm the facts of an application waiting for review.</summary>
    public async Task HandleAsync(BirthCertificateIssued e, OutboxTransaction tx, CancellationToken ct)
    {
        var mother = e.MotherIdNumber.Trim().ToUpperInvariant();
        await store.LockPersonAsync(tx, mother, ct);
        if (!await store.RecordBirthAsync(tx, e.CertificateNumber.Trim().ToUpperInvariant(), mother, e.BirthDate, ct)) return;
        foreach (var c in await store.NearAsync(tx.Connection, mother, e.BirthDate, ct))
            if (c is { State: CaseState.PendingReview, FactsVerifiedBy: null }) await ReconsiderAsync(tx, c, null, ct);
    }

    /// <summary>
    /// Public security recorded a death: a case not yet handed to the bank whose event is after the day of death is
    /// judged again, and Enrollment's answer (deceased) refuses it with the reason; a case for an event on or before that
    /// day is paid to the employer as usual. A case opened after the death record is refused by the same answer, so the
    /// order the two arrive in does not matter.
    /// </summary>
    public async Task HandleAsync(InsuredPersonDied e, OutboxTransaction tx, CancellationToken ct)
    {
        var person = e.IdNumber.Trim().ToUpperInvariant();
        await store.LockPersonAsync(tx, person, ct);
        foreach (var c in await store.AfterAsync(tx.Connection, person, e.DiedOn, ct))
            if (c.BeforePayment && c.State != CaseState.Cancelled) await ReconsiderAsync(tx, c, null, ct);
    }

    /// <summary>
    /// An application from the hospital's joint form or a grassroots point. Its facts are the applicant's claims: the
    /// region, the applicant and the dates of record come from the platform; the case is approved only once a
    /// settlement, a birth record or an operator confirms the facts.
    /// </summary>
    public async Task<CaseView> ApplyAsync(ApplyForAllowance command, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        v.Check(command.Channel is Channel.HospitalJointForm or Channel.GrassrootsPoint, "channel", "must be the hospital's joint form or a grassroots point");
        if (caller.Kind == CallerKind.Institution && command.Channel == Channel.GrassrootsPoint)
            v.Add("channel", "a hospital applies through its joint form (CHANNEL_HOSPITAL_JOINT_FORM)");
        var requestId = v.Text("request_id", command.RequestId, 64);
        var person = v.IdNumber("id_number", command.IdNumber);
        var date = v.Date("event_date", command.EventDate, notAfter: clock.GetLocalToday());
        v.Check(command.Kind is not null, "event_kind", "must be childbirth, miscarriage, family planning or nursing leave");
        void Refuse(string field, string reason) => v.Add(field, reason);
        BenefitCategory? category = null;
        switch (command.Kind)
        {
            case AllowanceEventKind.Childbirth or AllowanceEventKind.Miscarriage:
                NationalCodes.CheckPregnancy(command.FetusCount, command.GestationalWeeks, Refuse);
                if (command.Dystocia && command.Kind == AllowanceEventKind.Miscarriage) v.Add("dystocia", "applies to a childbirth only");
                break;
            case AllowanceEventKind.FamilyPlanning:
                category = NationalCodes.FamilyPlanningSurgery(command.FamilyPlanningCategory);
                v.Check(category is not null, "family_planning_category", "must be birctrl_type 1, 2 or 5-9 for a family-planning surgery (3 and 4 are miscarriages)");
                v.Check(command.FetusCount == 0, "fetus_count", "does not apply to a family-planning surgery: send 0");
                v.Check(command.GestationalWeeks == 0, "gestational_weeks", "does not apply to a family-planning surgery: send 0");
                v.Check(!command.Dystocia, "dystocia", "applies to a childbirth only");
                break;
            case AllowanceEventKind.NursingLeave:
                v.Check(command.FetusCount is >= 0 and <= NationalCodes.MaxFetusCount, "fetus_count", $"must be from 0 to {NationalCodes.MaxFetusCount}");
                v.Check(command.GestationalWeeks is >= 0 and <= NationalCodes.MaxGestationalWeeks, "gestational_weeks",
                    $"must be from 0 to {NationalCodes.MaxGestationalWeeks}");
                v.Check(!command.Dystocia, "dystocia", "applies to a childbirth only");
                break;
        }
        var applicant = v.Text("applicant", command.Applicant);
        var stated = v.StatedRegion("region", command.Region);
        v.ThrowIfInvalid();
        // The case is judged by the person's pooling region on the event date, from the insurance record.
        var eligibility = await facts.CheckAllowanceAsync(person.Value, date, ct);
        if (eligibility.Region.Length > 0)
            new Validator().Agrees("region", stated, eligibility.Region, $"the person's pooling region on {date:yyyy-MM-dd}").ThrowIfInvalid();

        var birth = new BirthEvent(command.Kind!.Value, date, command.FetusCount, command.Dystocia, command.GestationalWeeks, category);
        var report = new EventReport(person.Value, birth, command.Channel!.Value, applicant, requestId);
        return await database.InTransactionAsync((tx, token) => ReportAsync(tx, report, token), ct);
    }

    public async Task<CaseView> GetAsync(string caseId, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("case_id", caseId);
        v.ThrowIfInvalid();
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var c = await store.FindAsync(tx.Connection, id, token) ?? throw new NotFoundException("allowance case", caseId);
            tx.About(c.IdNumber.Value); // the read is audited in this transaction, as a read of this person's record
            return new CaseView(c, await store.ReportsAsync(tx.Connection, id, token));
        }, ct);
    }

    public async Task<IReadOnlyList<AllowanceCase>> ListAsync(string employer, CaseState? state, string dueBefore, int pageSize, CancellationToken ct)
    {
        var v = new Validator();
        DateOnly? due = string.IsNullOrWhiteSpace(dueBefore) ? null : v.Date("due_before", dueBefore);
        v.Check(pageSize is >= 0 and <= 500, "page_size", "must be from 1 to 500 (0 means 100)");
        v.ThrowIfInvalid();
        return await database.InTransactionAsync((tx, token) =>
            store.ListAsync(tx.Connection, string.IsNullOrWhiteSpace(employer) ? null : employer.Trim(), state, due, pageSize == 0 ? 100 : pageSize, token), ct);
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
        // The operator has seen the documents: the event's facts count as verified; every other fact must now be there.
        var assessment = await AssessAsync(current.IdNumber.Value, current.Event, ct);
        if (assessment.State != CaseState.Approved)
            throw new RuleViolationException(assessment.Findings.FirstOrDefault()?.Code ?? "facts-missing",
                $"case {id} cannot be approved yet: {string.Join("; ", assessment.Findings.Select(f => f.Message))}")
            { Reasons = assessment.Findings.Select(f => (f.Code, f.Message)).ToList() };

        return await database.InTransactionAsync(async (tx, token) =>
        {
            var locked = await store.FindAsync(tx.Connection, id, token, forUpdate: true) ?? throw new NotFoundException("allowance case", caseId);
            locked.Require(CaseState.PendingReview, "approval");
            // The assessment was of the facts read before: if a report changed them meanwhile, the operator looks again.
            if (locked.Event != current.Event || locked.FactsVerifiedBy != current.FactsVerifiedBy)
                throw new RuleViolationException("case-changed", $"allowance case {id} changed while it was being approved (a report arrived): read it again");
            var approved = Apply(locked, assessment) with { FactsVerifiedBy = locked.FactsVerifiedBy ?? "operator" };
            await store.UpdateAsync(tx, approved, clock.GetUtcNowForDatabase(), token);
            Announce(tx, approved, null, from: CaseState.PendingReview);
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
            Announce(tx, refused, null, from: c.State, operatorReason: why);
            return new CaseView(refused, await store.ReportsAsync(tx.Connection, id, token));
        }, ct);
    }

    /// <summary>
    /// One case per person and event: a report already taken returns its case; a report of an event already known lands
    /// on its case; otherwise it opens one. Either way the case is worked out again from all its reports.
    /// </summary>
    private async Task<CaseView> ReportAsync(OutboxTransaction tx, EventReport report, CancellationToken ct)
    {
        await store.LockPersonAsync(tx, report.IdNumber, ct);
        if (await store.FindByReportAsync(tx.Connection, report.Channel, report.Applicant, report.Reference, ct) is { } taken)
            return new CaseView(taken, await store.ReportsAsync(tx.Connection, taken.CaseId, ct)); // the same report again
        var at = clock.GetUtcNowForDatabase();
        var known = (await store.NearAsync(tx.Connection, report.IdNumber, report.Event.Date, ct)).FirstOrDefault(c => c.Event.SameAs(report.Event));
        if (known is null)
        {
            known = new AllowanceCase(Guid.CreateVersion7(), ResidentIdNumber.FromStored(report.IdNumber), "", "", report.Event, null, null,
                CaseState.PendingReview, [], null, null, null, null, false, at, null);
            await store.InsertAsync(tx, known, ct);
            await store.AddReportAsync(tx, known.CaseId, report, at, ct);
            var opened = await ReconsiderAsync(tx, known, null, ct, isNew: true);
            LogOpened(opened.CaseId, opened.IdNumber.Masked, opened.State, report.Channel);
            return new CaseView(opened, await store.ReportsAsync(tx.Connection, opened.CaseId, ct));
        }
        await store.AddReportAsync(tx, known.CaseId, report, at, ct);
        var now = await ReconsiderAsync(tx, known, null, ct);
        return new CaseView(now, await store.ReportsAsync(tx.Connection, now.CaseId, ct));
    }

    /// <summary>
    /// Works the case out again from all its reports (see the class summary) and, before payment, reassesses it on the
    /// facts that stand; in payment a case that lost its facts waits for the bank's answer (and one whose facts stand
    /// again no longer does), after payment it is recovered (and the recovery withdrawn when facts stand again). Stores
    /// and announces only what changed.
    /// </summary>
    private async Task<AllowanceCase> ReconsiderAsync(OutboxTransaction tx, AllowanceCase current, string? why, CancellationToken ct, bool isNew = false)
    {
        if (current.RefusedByOperator) return current; // an operator's refusal stands; the report is kept with the case
        var standing = await StandingAsync(tx, current, ct);
        AllowanceCase next;
        if (!current.BeforePayment)
        {
            var lost = standing.Event is null || standing.VerifiedBy is null;
            var noted = lost ? WithNote(current.Findings, Note("settlement-reversed", why))
                : WithNote(current.Findings, new Finding("facts-stand-again", $"settlement {standing.SettlementId} stands for the event"));
            next = current.State switch
            {
                CaseState.InPayment => current with { ReversalPending = lost, Findings = lost == current.ReversalPending ? current.Findings : noted },
                CaseState.Paid when lost => current with { State = CaseState.RecoveryOpen, Findings = noted },
                CaseState.RecoveryOpen when !lost => current with { State = CaseState.Paid, Findings = noted },
                _ => current,
            };
        }
        else if (standing.Event is null)
        {
            next = current with
            {
                State = CaseState.Cancelled, DueDate = null, SettlementId = null, FactsVerifiedBy = null,
                Findings = WithNote([.. Kept(current.Findings)], Note("settlement-reversed", why)),
            };
        }
        else
        {
            var assessment = await AssessAsync(current.IdNumber.Value, standing.Event, ct);
            if (standing.VerifiedBy is null && assessment.State == CaseState.Approved)
                assessment = assessment with { State = CaseState.PendingReview, ApprovedOn = null, DueDate = null, Findings = [Unverified(standing.Event)] };
            var reassessed = Apply(current with { Event = standing.Event }, assessment) with
            {
                SettlementId = standing.SettlementId, FactsVerifiedBy = standing.VerifiedBy,
                Findings = [.. assessment.Findings, .. standing.Notes, .. (why is null ? [] : new[] { Note("settlement-reversed", why) })],
            };
            // An approval already given keeps its date when nothing about it changed.
            next = current.State == CaseState.Approved && reassessed.State == CaseState.Approved && SameComputation(reassessed.Computation, current.Computation)
                ? reassessed with { ApprovedOn = current.ApprovedOn, DueDate = current.DueDate } : reassessed;
        }
        if (!isNew && Same(current, next)) return current;
        await store.UpdateAsync(tx, next, clock.GetUtcNowForDatabase(), ct);
        if (isNew || next.State != current.State || next.State == CaseState.Approved && !SameComputation(next.Computation, current.Computation))
            Announce(tx, next, why, from: isNew ? null : current.State);
        return next;
    }

    /// <summary>A note added once, however often the case is reconsidered.</summary>
    private static IReadOnlyList<Finding> WithNote(IReadOnlyList<Finding> findings, Finding note) => findings.Contains(note) ? findings : [.. findings, note];

    /// <summary>
    /// What stands of the case's reports: a settlement not reversed, else an application (one the birth records confirm
    /// before the first one, which an operator may have confirmed), else nothing.
    /// </summary>
    private async Task<StandingFacts> StandingAsync(OutboxTransaction tx, AllowanceCase c, CancellationToken ct)
    {
        var reports = await store.ReportsAsync(tx.Connection, c.CaseId, ct);
        var settlements = reports.Where(r => r.Channel == Channel.Settlement && r.Event is not null).ToList();
        var reversed = await store.ReversedAsync(tx.Connection, settlements.Select(r => r.Reference), ct);
        var settled = settlements.LastOrDefault(r => !reversed.Contains(r.Reference));
        var applications = reports.Where(r => r.Channel != Channel.Settlement && r.Event is not null).ToList();
        if (settled is not null)
        {
            var notes = applications.SelectMany(a => a.Event!.DifferencesFrom(settled.Event!))
                .Distinct().Select(d => new Finding("application-differs", $"the application differs from the settlement, whose facts are used: {d}")).ToList();
            return new StandingFacts(settled.Event, "settlement", Guid.Parse(settled.Reference), notes);
        }
        if (applications.Count == 0) return new StandingFacts(null, null, null, []);
        foreach (var application in applications)
            if (await BirthRecordsConfirmAsync(tx, c.IdNumber.Value, application.Event!, ct))
                return new StandingFacts(application.Event, "birth-record", null, []);
        // The operator's confirmation holds for the facts the operator saw, whichever application stated them.
        var confirmed = applications.FirstOrDefault(a => c.FactsVerifiedBy == "operator" && a.Event == c.Event);
        return confirmed is not null ? new StandingFacts(confirmed.Event, "operator", null, []) : new StandingFacts(applications[0].Event, null, null, []);
    }

    /// <summary>A childbirth the health commission recorded on the date, as many births as the fetuses claimed, and no dystocia claimed (no record shows one).</summary>
    private async Task<bool> BirthRecordsConfirmAsync(OutboxTransaction tx, string mother, BirthEvent claimed, CancellationToken ct) =>
        claimed is { Kind: AllowanceEventKind.Childbirth, Dystocia: false }
        && await store.BirthsAsync(tx.Connection, mother, claimed.Date, ct) is var births && births > 0 && births == claimed.FetusCount;

    private static Finding Unverified(BirthEvent claimed) => new("unverified-facts",
        $"the application's facts ({claimed.Kind} on {claimed.Date:yyyy-MM-dd}" +
        (claimed.Kind is AllowanceEventKind.Childbirth or AllowanceEventKind.Miscarriage ? $", {claimed.FetusCount} fetus(es), {claimed.GestationalWeeks} weeks" : "") +
        (claimed.Dystocia ? ", dystocia" : "") + (claimed.Category is { } c ? $", {c}" : "") +
        ") are not confirmed by a settlement or a birth record: an operator checks the documents and approves, or a settlement confirms them");

    private static Finding Note(string code, string? why) => new(code, why ?? code);

    /// <summary>Findings that describe the case's history rather than its assessment, kept across reassessments.</summary>
    private static IEnumerable<Finding> Kept(IEnumerable<Finding> findings) => findings.Where(f => f.Code is "payment-failed");

    private static bool SameComputation(AllowanceComputation? a, AllowanceComputation? b) =>
        a is null || b is null ? a is null && b is null : a with { DayLines = Array.Empty<DayLine>() } == b with { DayLines = Array.Empty<DayLine>() } && a.DayLines.SequenceEqual(b.DayLines);

    private static bool Same(AllowanceCase a, AllowanceCase b) =>
        a.State == b.State && a.Event == b.Event && SameComputation(a.Computation, b.Computation) && a.SettlementId == b.SettlementId &&
        a.FactsVerifiedBy == b.FactsVerifiedBy && a.EmployerCreditCode == b.EmployerCreditCode && a.DueDate == b.DueDate &&
        a.ReversalPending == b.ReversalPending && a.Findings.SequenceEqual(b.Findings);

    /// <summary>Reads the facts on the event date and decides: approved with the computation, waiting with the missing fact, or refused.</summary>
    private async Task<Assessment> AssessAsync(string idNumber, BirthEvent e, CancellationToken ct)
    {
        var eligibility = await facts.CheckAllowanceAsync(idNumber, e.Date, ct);
        if (!eligibility.Eligible)
            return new Assessment(CaseState.Refused, eligibility.Reasons.Select(r => new Finding(r.Code, r.Message)).ToList(), eligibility.EmployerCreditCode,
                null, null, null, eligibility.Region, eligibility.PolicyVersion);
        var policy = Policy(eligibility.Region, e.Date);
        var days = AllowanceRules.LeaveDays(policy.Allowance, e);
        if (days.Sum(l => l.Days) == 0)
            return new Assessment(CaseState.Refused,
                [new Finding("no-leave-days", $"region {policy.Region} ({policy.Version}) pays no allowance days for {e.Kind} {e.Category}")],
                eligibility.EmployerCreditCode, null, null, null, policy.Region, policy.Version);
        if (eligibility.EmployerCreditCode is not { } employer)
            return new Assessment(CaseState.PendingReview, [new Finding("employer-unknown", "no employer on the event date: the allowance is paid to an employer")],
                null, null, null, null, policy.Region, policy.Version);
        var wageYear = e.Date.Year - 1;
        if (await facts.AverageMonthlyWageAsync(employer, wageYear, ct) is not { } wage)
            return new Assessment(CaseState.PendingReview,
                [new Finding("employer-wage-missing", $"employer {employer} has no average monthly wage for {wageYear} (上年度职工月平均工资)")], employer, null, null, null,
                policy.Region, policy.Version);
        var today = clock.GetLocalToday();
        var due = calendar.AddWorkingDays(today, policy.Allowance.PaymentDueWorkingDays);
        return new Assessment(CaseState.Approved, due.Provisional ? [CalendarMissing(due)] : [], employer,
            AllowanceRules.Compute(policy.Allowance, e, wage, wageYear), today, due.Date, policy.Region, policy.Version);
    }

    /// <summary>
    /// A due date counted through a year with no working-day calendar loaded: counted Monday to Friday for now and flagged
    /// to operators, never trusted; set again once the year is loaded (<see cref="SetProvisionalDueDatesAsync"/>).
    /// </summary>
    private static Finding CalendarMissing(WorkingDayDeadline due) => new(CalendarMissingCode,
        $"the due date {due.Date:yyyy-MM-dd} is provisional: it is counted through {due.MissingYear}, whose working-day calendar is not loaded " +
        "(counted Monday to Friday); an administrator loads it (LoadWorkingDayCalendar) and the date is counted again");

    public const string CalendarMissingCode = "calendar-missing";

    /// <summary>
    /// After a working-day calendar is loaded: every approved case whose due date was provisional is counted again from
    /// its approval day; the flag stays only where a year on the way is still missing.
    /// </summary>
    public async Task<int> SetProvisionalDueDatesAsync(CancellationToken ct) =>
        await database.InTransactionAsync(async (tx, token) =>
        {
            var changed = 0;
            foreach (var c in await store.ProvisionalDueAsync(tx, CalendarMissingCode, token))
            {
                if (c.ApprovedOn is not { } approvedOn) continue;
                var due = calendar.AddWorkingDays(approvedOn, Policy(c.Region, c.Event.Date).Allowance.PaymentDueWorkingDays);
                var next = c with
                {
                    DueDate = due.Date,
                    Findings = [.. c.Findings.Where(f => f.Code != CalendarMissingCode), .. due.Provisional ? [CalendarMissing(due)] : Array.Empty<Finding>()],
                };
                if (Same(c, next)) continue;
                await store.UpdateAsync(tx, next, clock.GetUtcNowForDatabase(), token);
                changed++;
            }
            return changed;
        }, ct);

    private static AllowanceCase Apply(AllowanceCase c, Assessment a) => c with
    {
        State = a.State, Findings = a.Findings, EmployerCreditCode = a.Employer ?? c.EmployerCreditCode, Computation = a.Computation,
        ApprovedOn = a.ApprovedOn, DueDate = a.DueDate, Region = a.Region, PolicyVersion = a.PolicyVersion,
    };

    /// <summary>
    /// Tells the other services what the case came to: approved, refused, cancelled, a recovery, or an approval withdrawn
    /// because the settlement that confirmed it was reversed and only an unconfirmed application remains.
    /// </summary>
    private void Announce(OutboxTransaction tx, AllowanceCase c, string? reason, CaseState? from, string? operatorReason = null)
    {
        var now = clock.GetUtcNow();
        if (c.State == CaseState.Approved && from != CaseState.Approved && c.ApprovedOn is { } approvedOn)
            tx.AfterCommit(() => AllowanceMetrics.RecordApproved(c.Event.Kind.ToString(), c.Event.Date, approvedOn));
        IIntegrationEvent? e = c.State switch
        {
            CaseState.Approved => new AllowanceApproved(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value, c.EmployerCreditCode!, c.Event.Kind.ToString(),
                c.Event.Date, c.Computation!.Days, c.Computation.DailyAmount, c.Computation.Amount, c.DueDate!.Value, c.Region),
            CaseState.Refused => new AllowanceRefused(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value, c.Event.Kind.ToString(), c.Event.Date,
                c.Findings.Select(f => f.Code).ToList(), string.Join("; ", c.Findings.Select(f => f.Message)), c.Region, operatorReason),
            // A case opened cancelled (its settlement's reversal came first) was never announced: nothing to withdraw.
            CaseState.Cancelled when from is not (null or CaseState.Cancelled) =>
                new AllowanceCancelled(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value, reason ?? "cancelled", c.Region),
            CaseState.PendingReview when from == CaseState.Approved =>
                new AllowanceCancelled(Guid.CreateVersion7(), now, c.CaseId, c.IdNumber.Value,
                    (reason ?? "the facts changed") + "; the approval is withdrawn until the facts are confirmed", c.Region),
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Allowance case {CaseId} for {IdNumber} opened {State} from {Channel}")]
    private partial void LogOpened(Guid caseId, string idNumber, CaseState state, Channel channel);
}
