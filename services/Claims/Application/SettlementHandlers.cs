using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Domain;
using MaternityCloud.Claims.Infrastructure;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Claims.Application;

/// <summary>
/// Direct settlement at the hospital counter: validate everything first, answer a retry from what the request id
/// already produced, check eligibility with Enrollment, find the pregnancy's quota, then compute, store, consume the
/// quota and publish in one transaction. A refused request stores nothing and consumes nothing.
/// </summary>
public sealed partial class SettlementHandlers(
    ServiceDatabase database,
    SettlementStore store,
    QuotaLedger quotas,
    SettlementReplies replies,
    IEligibility eligibility,
    IPrenatalRegistrations registrations,
    RegionPolicyCatalog policies,
    TimeProvider clock,
    ILogger<SettlementHandlers> logger)
{
    private const int MaxGestationalWeeks = 44;

    /// <summary>A settlement request checked field by field, with the rules in force on its service date.</summary>
    private sealed record Checked(SettleCommand Command, string InstitutionCode, string RequestId, ResidentIdNumber Person, RegionPolicy Policy,
        Visit Visit, DateOnly ServiceDate, int FetusCount, IReadOnlyList<PricedLine> Lines);

    public async Task<SettlementRecord> PreSettleAsync(SettleCommand command, CancellationToken ct)
    {
        var request = Check(command);
        var (scope, asSpouse) = await AdmitAsync(request, ct);
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        PrenatalQuota? quota = null;
        if (request.Visit.Kind == VisitKind.PrenatalCheck)
        {
            // Nothing may be created by a preview: the known registration, or Prenatal's open one, or a new one's cap.
            var open = await quotas.FindOpenAsync(connection, request.Person.Value, ct) ?? await registrations.FindOpenAsync(request.Person.Value, ct);
            if (open is null && request.Policy.Medical.PrenatalRegistrationRequired) throw RegistrationRequired(request);
            var used = open is null ? 0m : await quotas.UsedAsync(connection, open.RegistrationId, ct);
            quota = new PrenatalQuota(open?.RegistrationId ?? Guid.Empty,
                SettlementRules.PrenatalCap(request.Policy.Medical, open?.Quota ?? request.Policy.Medical.PrenatalCapPerPregnancy, asSpouse), used);
        }
        var computation = SettlementRules.Compute(request.Policy.Medical, request.Visit, request.Lines, asSpouse, quota);
        var (history, _) = await store.ReadBeforeSettlingAsync(connection, request.Person.Value, request.ServiceDate,
            quota?.RegistrationId is { } known && known != Guid.Empty ? known : null, lockQuota: false, ct);
        var findings = IntelligentAudit.Check(request.Lines, history, quota is not null);
        return Record(request, Guid.Empty, scope, asSpouse, quota, computation, findings, SettlementStatus.Preview, null);
    }

    public async Task<SettlementRecord> SettleAsync(SettleCommand command, CancellationToken ct)
    {
        var request = Check(command);
        if (await FindEarlierAsync(request, ct) is { } earlier) return earlier;

        // Eligibility and the pregnancy this service already knows are independent reads: both at once.
        var admitting = AdmitAsync(request, ct);
        var knownRegistration = FindKnownRegistrationAsync(request.Person.Value, ct);
        await Task.WhenAll(admitting, knownRegistration); // a refusal of eligibility is what the hospital hears
        var (scope, asSpouse) = admitting.Result;
        var registration = knownRegistration.Result;
        if (registration is null && request.Visit.Kind == VisitKind.PrenatalCheck)
        {
            registration = request.Policy.Medical.PrenatalRegistrationRequired
                ? await registrations.FindOpenAsync(request.Person.Value, ct) ?? throw RegistrationRequired(request)
                : await registrations.EnsureAsync(request.Person.Value, request.Policy.Region, request.ServiceDate,
                    command.GestationalWeeks, request.FetusCount, request.InstitutionCode, ct);
            await using var connection = await database.DataSource.OpenConnectionAsync(ct);
            await quotas.OpenAsync(connection, registration, ct);
        }

        var settledAt = clock.GetUtcNowForDatabase();
        var outcome = await database.InTransactionAsync(async (tx, token) =>
        {
            var prenatal = request.Visit.Kind == VisitKind.PrenatalCheck;
            var (history, ledger) = await store.ReadBeforeSettlingAsync(tx.Connection, request.Person.Value, request.ServiceDate,
                registration?.RegistrationId, lockQuota: prenatal, token);
            PrenatalQuota? quota = ledger is { } row
                ? new PrenatalQuota(registration!.RegistrationId, SettlementRules.PrenatalCap(request.Policy.Medical, row.Cap, asSpouse), row.Used)
                : null;
            var computation = SettlementRules.Compute(request.Policy.Medical, request.Visit, request.Lines, asSpouse, quota);
            var findings = IntelligentAudit.Check(request.Lines, history, registration is not null);
            var record = Record(request, Guid.CreateVersion7(), scope, asSpouse, quota, computation, findings, SettlementStatus.Settled, settledAt)
                with { RegistrationId = registration?.RegistrationId };

            if (!await store.TryInsertAsync(tx, record, command.Fingerprint, command.CertificateType, findings, token))
                return null; // the same request id committed meanwhile (a concurrent retry): nothing of ours is kept
            tx.Publish(new SettlementCompleted(Guid.CreateVersion7(), settledAt, record.SettlementId, record.InstitutionCode, record.IdNumber,
                record.MedicalType, record.MaternityCategory, record.FamilyPlanningCategory, record.FetusCount, record.GestationalWeeks, record.Dystocia,
                record.Complication, record.ServiceDate, record.Fund, record.Individual, record.Region, record.PolicyVersion, asSpouse,
                record.RegistrationId));
            return record;
        }, ct);

        if (outcome is null)
            return await FindEarlierAsync(request, ct) ?? throw new InvalidOperationException("a conflicting settlement vanished");
        await replies.StoreAsync(command.Fingerprint, outcome);
        if (outcome.Lines.Any(l => l.Flags.Count > 0)) LogFlagged(outcome.SettlementId, outcome.InstitutionCode);
        return outcome;
    }

    public async Task<SettlementRecord> ReverseAsync(string institutionCode, string settlementId, string reason, CancellationToken ct)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", institutionCode);
        var id = v.Uuid("settlement_id", settlementId);
        var why = v.Text("reason", reason, 200);
        v.ThrowIfInvalid();

        var at = clock.GetUtcNowForDatabase();
        var (reversed, changed) = await database.InTransactionAsync(async (tx, token) =>
        {
            var s = await store.FindAsync(tx.Connection, id, token, forUpdate: true) ?? throw new NotFoundException("settlement", settlementId);
            RequireOwn(s, institution);
            if (s.State == SettlementStatus.Reversed) return (s, false); // a repeated reversal changes nothing
            await store.MarkReversedAsync(tx, id, at, why, token);
            if (s.QuotaConsumed > 0) await quotas.AddUsedAsync(tx, s.RegistrationId!.Value, -s.QuotaConsumed, token);
            tx.Publish(new SettlementReversed(Guid.CreateVersion7(), at, s.SettlementId, s.InstitutionCode, s.IdNumber, s.MedicalType, s.ServiceDate,
                s.Fund, why));
            return (s with { State = SettlementStatus.Reversed, ReversedAt = at, ReversalReason = why }, true);
        }, ct);
        if (changed) await replies.ForgetAsync(reversed.InstitutionCode, reversed.RequestId);
        return reversed;
    }

    public async Task<SettlementRecord> GetAsync(string institutionCode, string settlementId, CancellationToken ct)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", institutionCode);
        var id = v.Uuid("settlement_id", settlementId);
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        var s = await store.FindAsync(connection, id, ct) ?? throw new NotFoundException("settlement", settlementId);
        RequireOwn(s, institution);
        return s;
    }

    public async Task<(IReadOnlyList<SettlementRecord> Page, string NextPageToken)> ListAsync(
        string institutionCode, string fromDate, string toDate, string idNumber, int pageSize, string pageToken, CancellationToken ct)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", institutionCode);
        DateOnly? from = string.IsNullOrWhiteSpace(fromDate) ? null : v.Date("from_date", fromDate);
        DateOnly? to = string.IsNullOrWhiteSpace(toDate) ? null : v.Date("to_date", toDate);
        string? person = string.IsNullOrWhiteSpace(idNumber) ? null : v.IdNumber("id_number", idNumber).Value;
        v.Check(pageSize is >= 0 and <= 200, "page_size", "must be from 1 to 200 (0 means 50)");
        var after = PageToken.Read(v, pageToken);
        v.ThrowIfInvalid();
        var limit = pageSize == 0 ? 50 : pageSize;
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        var page = await store.ListAsync(connection, institution, from is { } f ? StartOf(f) : null, to is { } t && t < DateOnly.MaxValue ? StartOf(t.AddDays(1)) : null,
            person, after, limit, ct);
        return (page, page.Count == limit ? PageToken.Write(page[^1].SettledAt!.Value, page[^1].SettlementId) : "");
    }

    public async Task<Reconciliation> ReconcileAsync(string institutionCode, string date, int hospitalCount, string hospitalFund, CancellationToken ct)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", institutionCode);
        var day = v.Date("date", date, notAfter: clock.GetLocalToday());
        var compared = !string.IsNullOrWhiteSpace(hospitalFund);
        var theirFund = compared ? v.Money("hospital_fund_amount", hospitalFund) : 0m;
        v.Check(hospitalCount >= 0, "hospital_settlement_count", "must not be negative");
        v.ThrowIfInvalid();

        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        var byType = await store.DayTotalsAsync(connection, institution, StartOf(day), StartOf(day.AddDays(1)), ct);
        var total = new ReconcileTotals(null, byType.Sum(t => t.SettlementCount), byType.Sum(t => t.ReversalCount), byType.Sum(t => t.Total),
            byType.Sum(t => t.Fund), byType.Sum(t => t.Transferred), byType.Sum(t => t.Individual));
        var matched = compared && total.Fund == theirFund && total.SettlementCount - total.ReversalCount == hospitalCount;
        return new Reconciliation(total, byType, compared, matched, compared ? total.Fund - theirFund : 0m);
    }

    private Checked Check(SettleCommand c)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", c.InstitutionCode);
        var requestId = v.Text("request_id", c.RequestId, 64);
        var person = v.IdNumber("id_number", c.IdNumber);
        v.Check(c.CertificateType is >= 1 and <= 3, "certificate_type", "must be 1 (electronic code), 2 (ID card) or 3 (social security card)");
        var today = clock.GetLocalToday();
        var serviceDate = v.Date("service_date", c.ServiceDate, notAfter: today);
        var visit = Visit.Classify(v, c.MedicalType, c.MaternityCategory, c.FamilyPlanningCategory, c.Complication);
        v.Check(c.GestationalWeeks is >= 0 and <= MaxGestationalWeeks, "gestational_weeks", $"must be from 0 to {MaxGestationalWeeks}");
        if (visit?.Kind == VisitKind.PrenatalCheck)
            v.Check(c.GestationalWeeks >= 1, "gestational_weeks", "is required for a prenatal check (it dates the pregnancy)");
        var fetusCount = c.FetusCount == 0 ? 1 : c.FetusCount;
        v.Check(fetusCount is >= 1 and <= 9, "fetus_count", "must be from 1 to 9 (0 means 1)");
        // A future date is refused, but the lines are still checked (against today's rules) so every bad field is named at once.
        var policy = v.Region(policies, "region", c.Region, serviceDate == default ? null : (serviceDate > today ? today : serviceDate));
        var lines = policy is null ? [] : FeeLines.Read(v, policy.Medical.Catalog, policy.Version, c.Lines, c.TotalAmount);
        v.ThrowIfInvalid();
        return new Checked(c, institution, requestId, person, policy!, visit!, serviceDate, fetusCount, lines);
    }

    private async Task<OpenRegistration?> FindKnownRegistrationAsync(string idNumber, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await quotas.FindOpenAsync(connection, idNumber, ct);
    }

    /// <summary>What the request id already produced: the same request gets it back, a different one is refused.</summary>
    private async Task<SettlementRecord?> FindEarlierAsync(Checked request, CancellationToken ct)
    {
        var earlier = await replies.TryGetAsync(request.InstitutionCode, request.RequestId);
        if (earlier is null)
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(ct);
            earlier = await store.FindByRequestAsync(connection, request.InstitutionCode, request.RequestId, ct);
        }
        if (earlier is not { } found) return null;
        if (!found.Fingerprint.AsSpan().SequenceEqual(request.Command.Fingerprint))
            throw new AlreadyExistsException("settlement request", $"{request.InstitutionCode}/{request.RequestId}",
                $"request id {request.RequestId} was used for settlement {found.Record.SettlementId} with different content; use a new request id");
        return found.Record;
    }

    /// <summary>The person may be settled here: eligible on the service date, and filed when treated away from home.</summary>
    private async Task<(SettlementScope Scope, bool AsFiledSpouse)> AdmitAsync(Checked request, CancellationToken ct)
    {
        var answer = await eligibility.CheckMaternityMedicalAsync(request.Person.Value, request.ServiceDate, request.Policy.Region, ct);
        if (!answer.Eligible)
        {
            var reasons = answer.Reasons.Count == 0 ? [("not-eligible", "not eligible")] : answer.Reasons;
            throw new RuleViolationException("not-eligible",
                $"{request.Person.Masked} is not eligible for maternity medical benefits on {request.ServiceDate:yyyy-MM-dd} ({answer.PolicyVersion}): " +
                string.Join("; ", reasons.Select(r => $"{r.Code}: {r.Message}")))
            { Reasons = reasons };
        }
        var scope = SettlementScopes.Of(request.Policy.Region, request.InstitutionCode);
        if (request.Policy.Medical.CrossRegion.NeedsFiling(scope))
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(ct);
            if (!await store.HasFilingAsync(connection, request.Person.Value, request.InstitutionCode.Substring(1, 6), request.ServiceDate, ct))
                throw new RuleViolationException("cross-region-filing-required",
                    $"treatment at {request.InstitutionCode} is {scope.Code()} for region {request.Policy.Region}: direct settlement needs a cross-region filing (异地就医备案) valid on {request.ServiceDate:yyyy-MM-dd}");
        }
        return (scope, answer.AsFiledSpouse);
    }

    private static RuleViolationException RegistrationRequired(Checked request) =>
        new("prenatal-registration-required",
            $"region {request.Policy.Region} ({request.Policy.Version}) settles prenatal checks only for a registered pregnancy (产前登记); {request.Person.Masked} has no open registration");

    private static SettlementRecord Record(Checked r, Guid id, SettlementScope scope, bool asSpouse, PrenatalQuota? quota, SettlementComputation c,
        IReadOnlyList<AuditFinding> findings, SettlementStatus state, DateTimeOffset? settledAt) =>
        new(id, r.InstitutionCode, r.RequestId, r.Person.Value, r.Policy.Region, r.Policy.Version, r.Visit.MedicalType, r.Visit.MaternityCategory,
            r.Visit.FamilyPlanningCategory, r.Command.GestationalWeeks, r.FetusCount, r.Command.Complication, r.Command.Dystocia, r.ServiceDate, scope,
            asSpouse, quota?.RegistrationId is { } g && g != Guid.Empty ? g : null, quota?.Cap, quota?.Used, c.QuotaConsumed, c.Total, c.Fund,
            c.Transferred, c.Individual, state, settledAt, null, null,
            c.Lines.Select(l => new SettledLine(l, findings.Where(f => f.LineNo == l.Line.LineNo).Select(f => f.Rule).ToList())).ToList());

    private static void RequireOwn(SettlementRecord s, string institution)
    {
        if (s.InstitutionCode != institution)
            throw new PermissionDeniedException($"settlement {s.SettlementId} belongs to another institution");
    }

    /// <summary>The start of a local day as an instant: days are the region's (China Standard Time) days.</summary>
    private DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, clock.LocalTimeZone.GetUtcOffset(local));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Settlement {SettlementId} at {InstitutionCode} has lines flagged for review")]
    private partial void LogFlagged(Guid settlementId, string institutionCode);
}
