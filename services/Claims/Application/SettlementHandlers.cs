using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Domain;
using MaternityCloud.Claims.Infrastructure;
using MaternityCloud.Contracts.Codes;
using MaternityCloud.Contracts.Events;
using Npgsql;

namespace MaternityCloud.Claims.Application;

/// <summary>
/// Direct settlement at the hospital counter: validate everything first, answer a retry from what the request id
/// already produced, ask Enrollment for the person's eligibility and pooling region and the institution's standing on
/// the service date, find the pregnancy's quota, then compute, store, consume the quota and publish in one transaction.
/// The rules applied are those of the person's region from their insurance record; a region the hospital states must
/// agree. A refused request stores nothing and consumes nothing.
/// </summary>
public sealed partial class SettlementHandlers(
    ServiceDatabase database,
    SettlementStore store,
    QuotaLedger quotas,
    IEligibility eligibility,
    IVisitCertificates certificates,
    IPrenatalRegistrations registrations,
    RegionPolicyCatalog policies,
    TimeProvider clock,
    ILogger<SettlementHandlers> logger)
{
    /// <summary>A settlement request checked field by field; its region's rules are known once the person is admitted.</summary>
    private sealed record Checked(SettleCommand Command, string InstitutionCode, string RequestId, ResidentIdNumber Person, ClassifiedVisit Visit,
        DateOnly ServiceDate, IReadOnlyList<FeeLine> Lines, string Certificate);

    /// <summary>A request the facts admit: the person's region's rules, the lines priced by its catalog, where the person was treated.</summary>
    private sealed record Admitted(Checked Request, RegionPolicy Policy, IReadOnlyList<PricedLine> Lines, SettlementScope Scope, bool AsFiledSpouse);

    public async Task<SettlementRecord> PreSettleAsync(SettleCommand command, CancellationToken ct)
    {
        var request = await IdentifyAsync(Check(command), ct);
        var admitted = await AdmitAsync(request, ct);
        // Nothing is written but the read's audit entry, in the transaction of the reads.
        return await database.InTransactionAsync((tx, token) => PreviewAsync(tx.Connection, admitted, token), ct);
    }

    private async Task<SettlementRecord> PreviewAsync(NpgsqlConnection connection, Admitted admitted, CancellationToken ct)
    {
        var request = admitted.Request;
        PrenatalQuota? quota = null;
        if (request.Visit.Kind == VisitKind.PrenatalCheck)
        {
            // Nothing may be created by a preview: the known registration, or Prenatal's open one, or a new one's cap.
            var open = await quotas.FindOpenAsync(connection, request.Person.Value, ct) ?? await registrations.FindOpenAsync(request.Person.Value, ct);
            if (open is null && admitted.Policy.Medical.PrenatalRegistrationRequired) throw RegistrationRequired(admitted);
            var used = open is null ? 0m : await quotas.UsedAsync(connection, open.PregnancyId, ct);
            quota = new PrenatalQuota(open?.PregnancyId ?? Guid.Empty,
                SettlementRules.PrenatalCap(admitted.Policy.Medical, open?.Quota ?? admitted.Policy.Medical.PrenatalCapPerPregnancy, admitted.AsFiledSpouse), used);
        }
        var computation = SettlementRules.Compute(admitted.Policy.Medical, request.Visit, admitted.Lines, admitted.AsFiledSpouse, quota);
        var (history, _) = await store.ReadBeforeSettlingAsync(connection, request.Person.Value, request.ServiceDate,
            quota?.PregnancyId is { } known && known != Guid.Empty ? known : null, lockQuota: false, ct);
        var findings = IntelligentAudit.Check(admitted.Lines, history, quota is not null);
        return Record(admitted, Guid.Empty, null, quota, computation, findings, SettlementStatus.Preview, null);
    }

    public async Task<SettlementRecord> SettleAsync(SettleCommand command, CancellationToken ct)
    {
        var request = await IdentifyAsync(Check(command), ct);
        if (await FindEarlierAsync(request, ct) is { } earlier) return earlier;

        // Eligibility and the pregnancy this service already knows are independent reads: both at once.
        var admitting = AdmitAsync(request, ct);
        var knownRegistration = FindKnownRegistrationAsync(request.Person.Value, ct);
        await Task.WhenAll(admitting, knownRegistration); // a refusal of eligibility is what the hospital hears
        var admitted = admitting.Result;
        var registration = knownRegistration.Result;
        if (registration is null && request.Visit.Kind == VisitKind.PrenatalCheck)
        {
            registration = admitted.Policy.Medical.PrenatalRegistrationRequired
                ? await registrations.FindOpenAsync(request.Person.Value, ct) ?? throw RegistrationRequired(admitted)
                : await registrations.EnsureAsync(request.Person.Value, admitted.Policy.Region, request.ServiceDate,
                    request.Visit.GestationalWeeks, request.Visit.FetusCount, request.InstitutionCode, ct);
            await using var connection = await database.DataSource.OpenConnectionAsync(ct);
            await quotas.OpenAsync(connection, registration, ct);
        }

        var settledAt = clock.GetUtcNowForDatabase();
        var outcome = await database.InTransactionAsync(async (tx, token) =>
        {
            var prenatal = request.Visit.Kind == VisitKind.PrenatalCheck;
            var (history, ledger) = await store.ReadBeforeSettlingAsync(tx.Connection, request.Person.Value, request.ServiceDate,
                registration?.PregnancyId, lockQuota: prenatal, token);
            PrenatalQuota? quota = ledger is { } row
                ? new PrenatalQuota(registration!.PregnancyId, SettlementRules.PrenatalCap(admitted.Policy.Medical, row.Cap, admitted.AsFiledSpouse), row.Used)
                : null;
            var computation = SettlementRules.Compute(admitted.Policy.Medical, request.Visit, admitted.Lines, admitted.AsFiledSpouse, quota);
            var findings = IntelligentAudit.Check(admitted.Lines, history, registration is not null);
            var record = Record(admitted, Guid.CreateVersion7(), registration, quota, computation, findings, SettlementStatus.Settled, settledAt);

            if (!await store.TryInsertAsync(tx, record, command.Fingerprint, command.CertificateType, findings, token))
                return null; // the same request id committed meanwhile (a concurrent retry): nothing of ours is kept
            tx.Publish(new SettlementCompleted(Guid.CreateVersion7(), settledAt, record.SettlementId, record.InstitutionCode, record.IdNumber,
                request.Visit, record.ServiceDate, record.Fund, record.Individual, record.Region, record.PolicyVersion, record.AsFiledSpouse,
                record.RegistrationId));
            tx.AfterCommit(() => SettlementMetrics.RecordSettled(record.MedicalType, record.Fund));
            return record;
        }, ct);

        if (outcome is null)
            return await FindEarlierAsync(request, ct) ?? throw new InvalidOperationException("a conflicting settlement vanished");
        if (outcome.Lines.Any(l => l.Flags.Count > 0)) LogFlagged(outcome.SettlementId, outcome.InstitutionCode);
        return outcome;
    }

    /// <summary>
    /// Reverses the institution's own settlement; another institution's is not found (as one that does not exist). A
    /// repeated reversal returns the reversed settlement and changes nothing.
    /// </summary>
    public async Task<SettlementRecord> ReverseAsync(string institutionCode, string settlementId, string reason, CancellationToken ct)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", institutionCode);
        var id = v.Uuid("settlement_id", settlementId);
        var why = v.Text("reason", reason, 200);
        v.ThrowIfInvalid();

        var at = clock.GetUtcNowForDatabase();
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var s = Own(await store.FindAsync(tx.Connection, id, token, forUpdate: true), institution, settlementId);
            if (s.State == SettlementStatus.Reversed) return s; // a repeated reversal changes nothing
            await store.MarkReversedAsync(tx, id, at, why, token);
            if (s.QuotaConsumed > 0) await quotas.AddUsedAsync(tx, s.PregnancyId!.Value, -s.QuotaConsumed, token);
            tx.Publish(new SettlementReversed(Guid.CreateVersion7(), at, s.SettlementId, s.InstitutionCode, s.IdNumber, s.Visit, s.ServiceDate,
                s.Fund, why, s.RegistrationId));
            tx.AfterCommit(() => SettlementMetrics.RecordReversed(s.MedicalType, s.Fund));
            return s with { State = SettlementStatus.Reversed, ReversedAt = at, ReversalReason = why };
        }, ct);
    }

    public async Task<SettlementRecord> GetAsync(string institutionCode, string settlementId, CancellationToken ct)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", institutionCode);
        var id = v.Uuid("settlement_id", settlementId);
        v.ThrowIfInvalid();
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var s = Own(await store.FindAsync(tx.Connection, id, token), institution, settlementId);
            tx.About(s.IdNumber); // the read is audited in this transaction, as a read of this person's record
            return s;
        }, ct);
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
        var page = await database.InTransactionAsync((tx, token) => store.ListAsync(tx.Connection, institution, from is { } f ? StartOf(f) : null,
            to is { } t && t < DateOnly.MaxValue ? StartOf(t.AddDays(1)) : null, person, after, limit, token), ct);
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
        v.Check(c.CertificateType is >= 1 and <= 3, "certificate_type", "must be 1 (electronic code), 2 (ID card) or 3 (social security card)");
        var certificate = (c.CertificateNumber ?? "").Trim().ToUpperInvariant();
        v.Check(certificate.Length is >= 1 and <= 64, "certificate_number",
            "is required: the number of the certificate presented (the electronic code, the ID card or the social security card), at most 64 characters");
        // An electronic code identifies the person by itself (IdentifyAsync); any other certificate goes with the ID number.
        var person = c.CertificateType == 1 && string.IsNullOrWhiteSpace(c.IdNumber) ? default : v.IdNumber("id_number", c.IdNumber);
        if (c.CertificateType == 2 && !v.HasErrorFor("id_number") && certificate.Length > 0 && certificate != person.Value)
            v.Add("certificate_number", "is not the ID number in id_number: the ID card presented must be the person's own");
        var serviceDate = v.Date("service_date", c.ServiceDate, notAfter: clock.GetLocalToday());
        var visit = NationalCodes.ClassifyVisit(c.MedicalType, c.MaternityCategory, c.FamilyPlanningCategory, c.FetusCount, c.GestationalWeeks,
            c.Dystocia, c.Complication, (field, reason) => v.Add(field, reason));
        v.StatedRegion("region", c.Region);
        var lines = FeeLines.Read(v, c.Lines, c.TotalAmount);
        v.ThrowIfInvalid();
        return new Checked(c, institution, requestId, person, visit!, serviceDate, lines, certificate);
    }

    /// <summary>
    /// An electronic code presented as the certificate must be one the platform issued, and it decides whom the visit is
    /// for: an ID number the hospital also states must be the code's holder's.
    /// </summary>
    private async Task<Checked> IdentifyAsync(Checked request, CancellationToken ct)
    {
        if (request.Command.CertificateType != 1) return request;
        var holder = await certificates.ResolveElectronicCodeAsync(request.Certificate, ct)
            ?? throw new ValidationFailedException([new FieldViolation("certificate_number", "is not an electronic medical-insurance code the platform issued")]);
        if (holder.IdNumber is null)
            throw new RuleViolationException("newborn-identity",
                "the electronic code identifies a newborn with no ID number yet (before household registration); the visit is settled once the ID number is recorded");
        if (!string.IsNullOrWhiteSpace(request.Command.IdNumber) && request.Person.Value != holder.IdNumber)
            throw new ValidationFailedException([new FieldViolation("id_number", "is not the holder of the electronic code presented (certificate_number)")]);
        return request with { Person = ResidentIdNumber.FromStored(holder.IdNumber) };
    }

    private async Task<OpenRegistration?> FindKnownRegistrationAsync(string idNumber, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await quotas.FindOpenAsync(connection, idNumber, ct);
    }

    /// <summary>What the request id already produced: the same request gets it back, a different one is refused.</summary>
    private async Task<SettlementRecord?> FindEarlierAsync(Checked request, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        if (await store.FindByRequestAsync(connection, request.InstitutionCode, request.RequestId, ct) is not { } found) return null;
        if (!found.Fingerprint.AsSpan().SequenceEqual(request.Command.Fingerprint))
            throw new AlreadyExistsException("settlement request", $"{request.InstitutionCode}/{request.RequestId}",
                $"request id {request.RequestId} was used for settlement {found.Record.SettlementId} with different content; use a new request id");
        return found.Record;
    }

    /// <summary>
    /// Whether the facts admit the visit here: the person eligible on the service date, in their own region (a stated
    /// region must agree), the institution designated and qualified for the visit that day, and, treated away from
    /// home, settling other regions' persons directly and holding a filing where the person's region wants one. Then the
    /// lines are priced by the person's region's catalog.
    /// </summary>
    private async Task<Admitted> AdmitAsync(Checked request, CancellationToken ct)
    {
        var answer = await eligibility.CheckMaternityMedicalAsync(request.Person.Value, request.ServiceDate, request.InstitutionCode, ct);
        if (!answer.Eligible)
        {
            var reasons = answer.Reasons.Count == 0 ? [("not-eligible", "not eligible")] : answer.Reasons;
            throw new RuleViolationException("not-eligible",
                $"{request.Person.Masked} is not eligible for maternity medical benefits on {request.ServiceDate:yyyy-MM-dd}" +
                (answer.PolicyVersion.Length > 0 ? $" ({answer.PolicyVersion})" : "") + ": " + string.Join("; ", reasons.Select(r => $"{r.Code}: {r.Message}")))
            { Reasons = reasons };
        }
        var v = new Validator();
        v.Agrees("region", request.Command.Region, answer.Region, $"the person's pooling region on {request.ServiceDate:yyyy-MM-dd}");
        v.ThrowIfInvalid();

        var institution = answer.Institution ?? throw new InvalidOperationException("Enrollment did not answer the institution's standing");
        if (!institution.Designated)
            throw new RuleViolationException("institution-not-designated",
                $"{request.InstitutionCode} is not a designated institution (定点医疗机构) with an agreement valid on {request.ServiceDate:yyyy-MM-dd}");
        var (qualified, qualification) = request.Visit.Kind == VisitKind.FamilyPlanning
            ? (institution.FamilyPlanningQualified, "family-planning (计划生育)")
            : (institution.MaternityQualified, "maternity (生育)");
        if (!qualified)
            throw new RuleViolationException("institution-not-qualified",
                $"{request.InstitutionCode} holds no {qualification} service qualification valid on {request.ServiceDate:yyyy-MM-dd}");

        var policy = policies.InForce(answer.Region, request.ServiceDate);
        var scope = SettlementScopes.Of(answer.Region, institution.Region);
        if (scope != SettlementScope.Local)
        {
            if (!institution.CrossRegionSettlement)
                throw new RuleViolationException("cross-region-settlement-not-enabled",
                    $"{request.InstitutionCode} (region {institution.Region}) does not settle insured persons of other regions directly; the person is insured in {answer.Region}");
            if (policy.Medical.CrossRegion.NeedsFiling(scope))
            {
                await using var connection = await database.DataSource.OpenConnectionAsync(ct);
                if (!await store.HasFilingAsync(connection, request.Person.Value, institution.Region, request.ServiceDate, ct))
                    throw new RuleViolationException("cross-region-filing-required",
                        $"treatment at {request.InstitutionCode} (region {institution.Region}) is {scope.Code()} for region {answer.Region}: direct settlement needs a cross-region filing (异地就医备案) valid on {request.ServiceDate:yyyy-MM-dd}");
            }
        }

        var lines = FeeLines.Price(v, policy.Medical.Catalog, policy.Version, request.Lines);
        v.ThrowIfInvalid();
        return new Admitted(request, policy, lines, scope, answer.AsFiledSpouse);
    }

    private static RuleViolationException RegistrationRequired(Admitted admitted) =>
        new("prenatal-registration-required",
            $"region {admitted.Policy.Region} ({admitted.Policy.Version}) settles prenatal checks only for a registered pregnancy (产前登记); {admitted.Request.Person.Masked} has no open registration");

    private static SettlementRecord Record(Admitted a, Guid id, OpenRegistration? registration, PrenatalQuota? quota, SettlementComputation c,
        IReadOnlyList<AuditFinding> findings, SettlementStatus state, DateTimeOffset? settledAt)
    {
        var (r, visit) = (a.Request, a.Request.Visit);
        return new(id, r.InstitutionCode, r.RequestId, r.Person.Value, a.Policy.Region, a.Policy.Version, visit.MedicalType, visit.MaternityCategory,
            visit.FamilyPlanningCategory, visit.GestationalWeeks, visit.FetusCount, visit.Complication, visit.Dystocia, r.ServiceDate, a.Scope,
            a.AsFiledSpouse, registration?.RegistrationId, quota?.PregnancyId is { } g && g != Guid.Empty ? g : null, quota?.Cap, quota?.Used,
            c.QuotaConsumed, c.Total, c.Fund, c.Transferred, c.Individual, state, settledAt, null, null,
            c.Lines.Select(l => new SettledLine(l, findings.Where(f => f.LineNo == l.Line.LineNo).Select(f => f.Rule).ToList())).ToList());
    }

    /// <summary>The institution's own settlement; another's is answered as one that does not exist, naming nobody.</summary>
    private static SettlementRecord Own(SettlementRecord? s, string institution, string asked) =>
        s is not null && s.InstitutionCode == institution ? s : throw new NotFoundException("settlement", asked);

    /// <summary>The start of a local day as an instant: days are the region's (China Standard Time) days.</summary>
    private DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, clock.LocalTimeZone.GetUtcOffset(local));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Settlement {SettlementId} at {InstitutionCode} has lines flagged for review")]
    private partial void LogFlagged(Guid settlementId, string institutionCode);
}
