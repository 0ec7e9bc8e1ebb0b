using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Codes;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Prenatal.Domain;
using MaternityCloud.Prenatal.Infrastructure;

namespace MaternityCloud.Prenatal.Application;

public sealed record RegisterPregnancy(
    string IdNumber, string Region, string PregnancyDate, string ExpectedDeliveryDate, int FetusCount, string HospitalCode,
    RegistrationChannel? Channel, string Operator);

public sealed record EnsureRegistration(string IdNumber, string Region, string ServiceDate, int GestationalWeeks, int FetusCount, string HospitalCode);

public sealed record ChangeHospital(string RegistrationId, string ToHospitalCode, string Reason, string Operator);

public sealed record CorrectRegistration(
    string RegistrationId, string PregnancyDate, string ExpectedDeliveryDate, int FetusCount, string Reason, string Operator);

public sealed record CancelRegistration(string RegistrationId, string Reason, string Operator);

/// <summary>A registration with its audit trail, as operators and hospitals read it.</summary>
public sealed record RegistrationView(PrenatalRegistration Registration, IReadOnlyList<RegistrationAudit> Audit);

/// <summary>What the platform holds about a registration's person and hospital on a date: the person's pooling region
/// (empty when not insured) and whether the hospital is designated with the maternity qualification.</summary>
/// <summary>What Enrollment says of the person and the hospital today; <see cref="Deceased"/> is its reason when the person has died.</summary>
public sealed record RegistrationFacts(string Region, bool HospitalDesignated, bool HospitalQualified, string? Deceased = null);

/// <summary>Enrollment's facts for a registration.</summary>
public interface IRegistrationFacts
{
    Task<RegistrationFacts> OnAsync(string idNumber, DateOnly date, string hospitalCode, CancellationToken ct);
}

/// <summary>
/// Prenatal registration: every channel, one open registration per person, changes with reasons and an audit trail,
/// intelligent registration for Claims, and the end of the pregnancy when Claims settles it (undone when the settlement
/// is reversed, whichever of the two arrives first). The person's region comes from the insurance record and the
/// hospital's standing from the registry; which registration a hospital may see or hand on is decided here, before
/// anything changes: a hospital acts on the registrations it holds, and another's is answered as not found.
/// </summary>
public sealed partial class PrenatalHandlers(
    ServiceDatabase database, RegistrationRepository repository, IRegistrationFacts facts, RegionPolicyCatalog policies, TimeProvider clock,
    ILogger<PrenatalHandlers> logger)
    : IIntegrationEventHandler<SettlementCompleted>, IIntegrationEventHandler<SettlementReversed>, IIntegrationEventHandler<InsuredPersonDied>
{
    public async Task<RegistrationView> RegisterAsync(RegisterPregnancy command, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        var today = Today();
        var id = v.IdNumber("id_number", command.IdNumber);
        var pregnancyDate = v.Date("pregnancy_date", command.PregnancyDate, notAfter: today);
        var expected = v.Date("expected_delivery_date", command.ExpectedDeliveryDate);
        PregnancyRules.CheckDates(v, pregnancyDate, expected, "pregnancy_date", "expected_delivery_date");
        PregnancyRules.CheckFetusCount(v, "fetus_count", command.FetusCount);
        var hospital = v.InstitutionCode("hospital_code", command.HospitalCode);
        if (command.Channel is null or RegistrationChannel.Settlement)
            v.Add("channel", "must be hospital service station, grassroots point or online");
        var operatorName = v.Text("operator", command.Operator);
        var stated = v.StatedRegion("region", command.Region);
        v.ThrowIfInvalid();

        // The quota opens in the terms of the region the person is insured in today (from the insurance record), at the
        // cap in force on the pregnancy date, at a hospital the registry says is designated and qualified today.
        var known = await facts.OnAsync(id.Value, today, hospital, ct);
        var region = known.Region.Length > 0 ? known.Region
            : throw new RuleViolationException("not-insured", $"{id.Masked} has no insurance record on {today:yyyy-MM-dd}: no region opens a prenatal quota");
        new Validator().Agrees("region", stated, region, "the person's pooling region").ThrowIfInvalid();
        if (known.Deceased is { } death) throw new RuleViolationException("deceased", death);
        RequireQualified(known, hospital, today);
        var policy = policies.InForce(region, pregnancyDate);

        return await database.InTransactionAsync(async (tx, token) =>
        {
            await repository.LockPersonAsync(tx, id.Value, token);
            var registration = new PrenatalRegistration(Guid.CreateVersion7(),
                PrenatalRegistration.PregnancyOf(await repository.FindLatestAsync(tx.Connection, id.Value, token), pregnancyDate), id, policy.Region,
                pregnancyDate, expected, command.FetusCount, hospital, policy.Medical.PrenatalCapPerPregnancy, command.Channel!.Value, operatorName,
                RegistrationState.Open, false, clock.GetUtcNowForDatabase(), null, null, 1, null);
            if (!await repository.TryInsertAsync(tx, registration, token))
            {
                var open = (await repository.FindOpenAsync(tx.Connection, id.Value, token))!;
                if (open.SamePregnancyAs(registration)) return await ViewAsync(tx, open, token);
                // Another hospital's registration is not its business: it hears that one exists, nothing of it.
                if (caller.Kind == CallerKind.Institution && open.HospitalCode != caller.Id)
                    throw new AlreadyExistsException("open prenatal registration", id.Masked,
                        "the person already has an open prenatal registration at another institution: it is handed on by that institution or a clerk (ChangeHospital)");
                throw new AlreadyExistsException("open prenatal registration", open.RegistrationId.ToString(),
                    $"the person already has registration {open.RegistrationId} (pregnancy date {open.PregnancyDate:yyyy-MM-dd}, hospital {open.HospitalCode}); correct or cancel it instead");
            }
            await OpenedAsync(tx, registration, $"registered through {registration.Channel}", token);
            return await ViewAsync(tx, registration, token);
        }, ct);
    }

    /// <summary>The open registration, or a new automatic one from a prenatal-check settlement. Concurrent calls get one.</summary>
    public async Task<(RegistrationView View, bool Created)> EnsureAsync(EnsureRegistration command, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.IdNumber("id_number", command.IdNumber);
        var serviceDate = v.Date("service_date", command.ServiceDate, notAfter: Today());
        NationalCodes.CheckPregnancy(command.FetusCount, command.GestationalWeeks, (field, reason) => v.Add(field, reason));
        var fetusCount = command.FetusCount;
        var hospital = v.InstitutionCode("hospital_code", command.HospitalCode);
        // Only from a valid date and term: an invalid one would move the date out of the calendar.
        DateOnly? pregnancyStarted = v.HasErrorFor("service_date") || v.HasErrorFor("gestational_weeks")
            ? null : serviceDate.AddDays(-7 * command.GestationalWeeks);
        var policy = v.Region(policies, "region", command.Region, pregnancyStarted);
        v.ThrowIfInvalid();
        var pregnancyDate = pregnancyStarted!.Value;

        return await database.InTransactionAsync(async (tx, token) =>
        {
            await repository.LockPersonAsync(tx, id.Value, token);
            var registration = new PrenatalRegistration(Guid.CreateVersion7(),
                PrenatalRegistration.PregnancyOf(await repository.FindLatestAsync(tx.Connection, id.Value, token), pregnancyDate), id, policy!.Region,
                pregnancyDate, pregnancyDate.AddDays(PregnancyRules.TermDays), fetusCount, hospital, policy.Medical.PrenatalCapPerPregnancy,
                RegistrationChannel.Settlement, "settlement", RegistrationState.Open, true, clock.GetUtcNowForDatabase(), null, null, 1, null);
            if (!await repository.TryInsertAsync(tx, registration, token))
                return (await ViewAsync(tx, (await repository.FindOpenAsync(tx.Connection, id.Value, token))!, token), false);
            await OpenedAsync(tx, registration, $"created automatically by a prenatal check on {serviceDate:yyyy-MM-dd} at {command.GestationalWeeks} weeks", token);
            LogAutomatic(registration.RegistrationId, id.Masked);
            return (await ViewAsync(tx, registration, token), true);
        }, ct);
    }

    /// <summary>
    /// Hands a registration on to another hospital, designated and qualified for maternity care today. A hospital hands on
    /// only a registration it holds (another's is not found); a clerk moves any.
    /// </summary>
    public async Task<RegistrationView> ChangeHospitalAsync(ChangeHospital command, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        var hospital = v.InstitutionCode("to_hospital_code", command.ToHospitalCode);
        var id = v.Uuid("registration_id", command.RegistrationId);
        v.ThrowIfInvalid();
        PrenatalRegistration current;
        await using (var connection = await database.DataSource.OpenConnectionAsync(ct))
            current = Visible(await repository.FindAsync(connection, id, ct), caller, command.RegistrationId);
        if (current.HospitalCode != hospital)
        {
            var today = Today();
            var known = await facts.OnAsync(current.IdNumber.Value, today, hospital, ct);
            RequireQualified(known, hospital, today);
        }
        return await ChangeAsync(v, command.RegistrationId, command.Reason, command.Operator, "hospital-changed", caller,
            r => r.HospitalCode == hospital ? null : (r with { HospitalCode = hospital }, $"hospital {r.HospitalCode} → {hospital}"), ct);
    }

    public Task<RegistrationView> CorrectAsync(CorrectRegistration command, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        DateOnly? pregnancyDate = string.IsNullOrWhiteSpace(command.PregnancyDate) ? null : v.Date("pregnancy_date", command.PregnancyDate, notAfter: Today());
        DateOnly? expected = string.IsNullOrWhiteSpace(command.ExpectedDeliveryDate) ? null : v.Date("expected_delivery_date", command.ExpectedDeliveryDate);
        int? fetusCount = command.FetusCount == 0 ? null : command.FetusCount;
        if (fetusCount is { } count) PregnancyRules.CheckFetusCount(v, "fetus_count", count);
        v.Check(pregnancyDate is not null || expected is not null || fetusCount is not null, "registration_id",
            "a correction changes at least one of pregnancy_date, expected_delivery_date, fetus_count");
        return ChangeAsync(v, command.RegistrationId, command.Reason, command.Operator, "corrected", caller, r =>
        {
            var corrected = r with
            {
                PregnancyDate = pregnancyDate ?? r.PregnancyDate,
                ExpectedDeliveryDate = expected ?? r.ExpectedDeliveryDate,
                FetusCount = fetusCount ?? r.FetusCount,
            };
            var dates = new Validator();
            PregnancyRules.CheckDates(dates, corrected.PregnancyDate, corrected.ExpectedDeliveryDate, "pregnancy_date", "expected_delivery_date");
            dates.ThrowIfInvalid();
            var changes = new List<string>();
            if (corrected.PregnancyDate != r.PregnancyDate) changes.Add($"pregnancy date {r.PregnancyDate:yyyy-MM-dd} → {corrected.PregnancyDate:yyyy-MM-dd}");
            if (corrected.ExpectedDeliveryDate != r.ExpectedDeliveryDate) changes.Add($"expected date {r.ExpectedDeliveryDate:yyyy-MM-dd} → {corrected.ExpectedDeliveryDate:yyyy-MM-dd}");
            if (corrected.FetusCount != r.FetusCount) changes.Add($"fetus count {r.FetusCount} → {corrected.FetusCount}");
            return changes.Count == 0 ? null : (corrected, string.Join("; ", changes));
        }, ct);
    }

    public Task<RegistrationView> CancelAsync(CancelRegistration command, Caller caller, CancellationToken ct) =>
        ChangeAsync(new Validator(), command.RegistrationId, command.Reason, command.Operator, "cancelled", caller,
            r => (r with { State = RegistrationState.Cancelled }, "state open → cancelled"), ct);

    public async Task<RegistrationView> GetAsync(string registrationId, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("registration_id", registrationId);
        v.ThrowIfInvalid();
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var registration = Visible(await repository.FindAsync(tx.Connection, id, token), caller, registrationId);
            tx.About(registration.IdNumber.Value); // the read is audited in this transaction, as a read of this person's record
            return new RegistrationView(registration, await repository.AuditTrailAsync(tx.Connection, id, token));
        }, ct);
    }

    /// <summary>A person's registrations; a hospital sees only those it holds.</summary>
    public async Task<IReadOnlyList<PrenatalRegistration>> ListAsync(string idNumber, Caller caller, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.IdNumber("id_number", idNumber);
        v.ThrowIfInvalid();
        return await database.InTransactionAsync(async (tx, token) =>
            (await repository.ListAsync(tx.Connection, id.Value, token)).Where(r => MaySee(r, caller)).ToList(), ct);
    }

    /// <summary>Only a childbirth or a termination ends a pregnancy; a prenatal check's settlement is acknowledged untouched.</summary>
    public bool Concerns(SettlementCompleted e) => e.Visit.PregnancyEnd is not null;

    /// <summary>
    /// Claims settled a visit: a childbirth or a termination ends the person's open registration, unless the settlement
    /// was already reversed (the reversal may arrive first).
    /// </summary>
    public async Task HandleAsync(SettlementCompleted e, OutboxTransaction tx, CancellationToken ct)
    {
        if (e.Visit.PregnancyEnd is not { } end) return;
        var person = e.IdNumber.Trim().ToUpperInvariant();
        await repository.LockPersonAsync(tx, person, ct);
        if (await repository.WasReversedAsync(tx.Connection, e.SettlementId, ct)) return;
        var open = await repository.FindOpenAsync(tx.Connection, person, ct, forUpdate: true);
        if (open is null) return; // never registered, or ended already: nothing to close

        var outcome = Outcome(end);
        var ended = open.Changed() with { State = RegistrationState.Ended, EndedOn = e.ServiceDate, EndOutcome = outcome, EndedBy = e.SettlementId };
        await repository.UpdateAsync(tx, ended, ct);
        await repository.AuditAsync(tx, open.RegistrationId, new RegistrationAudit("ended",
            $"state open → ended ({outcome} on {e.ServiceDate:yyyy-MM-dd})", $"settlement {e.SettlementId}", "claims", clock.GetUtcNowForDatabase()), ct);
        tx.Publish(new PregnancyEnded(Guid.CreateVersion7(), clock.GetUtcNow(), open.RegistrationId, open.PregnancyId, open.IdNumber.Value, e.ServiceDate,
            outcome, e.SettlementId, ended.StateVersion));
    }

    /// <summary>Only the reversal of a settlement that ends a pregnancy can concern a registration.</summary>
    public bool Concerns(SettlementReversed e) => e.Visit.PregnancyEnd is not null;

    /// <summary>
    /// A settlement that ended a pregnancy was reversed: it is remembered (so that, arriving after, the settlement ends
    /// nothing), and the registration it ended opens again, unless the person has registered another pregnancy since.
    /// </summary>
    public async Task HandleAsync(SettlementReversed e, OutboxTransaction tx, CancellationToken ct)
    {
        var person = e.IdNumber.Trim().ToUpperInvariant();
        await repository.LockPersonAsync(tx, person, ct);
        if (!await repository.RememberReversalAsync(tx, e.SettlementId, person, e.OccurredAt, ct)) return;
        if (await repository.FindEndedByAsync(tx.Connection, e.SettlementId, ct) is not { State: RegistrationState.Ended } ended) return;
        if (await repository.FindOpenAsync(tx.Connection, person, ct) is not null) return;

        var reopened = ended.Changed() with { State = RegistrationState.Open, EndedOn = null, EndOutcome = null, EndedBy = null };
        await repository.UpdateAsync(tx, reopened, ct);
        await repository.AuditAsync(tx, ended.RegistrationId, new RegistrationAudit("reopened", "state ended → open",
            $"settlement {e.SettlementId} reversed: {e.Reason}", "claims", clock.GetUtcNowForDatabase()), ct);
        Publish(tx, reopened, "reopened", $"settlement {e.SettlementId} reversed");
    }

    /// <summary>
    /// Public security recorded the death of a person with an open registration: the pregnancy ends on that day
    /// ("death"), so no quota stays open. A registration asked for afterwards is refused by Enrollment's answer
    /// (deceased), so the order does not matter.
    /// </summary>
    public async Task HandleAsync(InsuredPersonDied e, OutboxTransaction tx, CancellationToken ct)
    {
        var person = e.IdNumber.Trim().ToUpperInvariant();
        await repository.LockPersonAsync(tx, person, ct);
        if (await repository.FindOpenAsync(tx.Connection, person, ct, forUpdate: true) is not { } open) return;
        var endedOn = e.DiedOn < open.PregnancyDate ? open.PregnancyDate : e.DiedOn;
        var ended = open.Changed() with { State = RegistrationState.Ended, EndedOn = endedOn, EndOutcome = "death", EndedBy = null };
        await repository.UpdateAsync(tx, ended, ct);
        await repository.AuditAsync(tx, open.RegistrationId, new RegistrationAudit("ended", $"state open → ended (death on {e.DiedOn:yyyy-MM-dd})",
            "public security recorded the death", "enrollment", clock.GetUtcNowForDatabase()), ct);
        tx.Publish(new PregnancyEnded(Guid.CreateVersion7(), clock.GetUtcNow(), open.RegistrationId, open.PregnancyId, open.IdNumber.Value, endedOn,
            "death", null, ended.StateVersion));
    }

    private static string Outcome(PregnancyOutcome end) => end switch
    {
        PregnancyOutcome.NormalDelivery => "normal-delivery",
        PregnancyOutcome.AssistedDelivery => "assisted-delivery",
        PregnancyOutcome.Caesarean => "caesarean",
        PregnancyOutcome.Dystocia => "dystocia",
        PregnancyOutcome.Miscarriage => "miscarriage",
        PregnancyOutcome.InducedLabour => "induced-labour",
        _ => "abortion",
    };

    /// <summary>A hospital may see and act on the registrations it holds; an operator or a platform service on any.</summary>
    private static bool MaySee(PrenatalRegistration r, Caller caller) => caller.Kind != CallerKind.Institution || r.HospitalCode == caller.Id;

    /// <summary>The registration if this caller may see it; another hospital's is answered as one that does not exist.</summary>
    private static PrenatalRegistration Visible(PrenatalRegistration? r, Caller caller, string asked) =>
        r is not null && MaySee(r, caller) ? r : throw new NotFoundException("prenatal registration", asked);

    private static void RequireQualified(RegistrationFacts known, string hospital, DateOnly on)
    {
        if (!known.HospitalDesignated)
            throw new RuleViolationException("institution-not-designated",
                $"{hospital} is not a designated institution (定点医疗机构) with an agreement valid on {on:yyyy-MM-dd}");
        if (!known.HospitalQualified)
            throw new RuleViolationException("institution-not-qualified", $"{hospital} holds no maternity (生育) service qualification valid on {on:yyyy-MM-dd}");
    }

    private async Task<RegistrationView> ChangeAsync(
        Validator v, string registrationId, string reasonText, string operatorText, string action, Caller caller,
        Func<PrenatalRegistration, (PrenatalRegistration Changed, string Detail)?> change, CancellationToken ct)
    {
        var id = v.Uuid("registration_id", registrationId);
        var reason = v.Text("reason", reasonText, 200);
        var operatorName = v.Text("operator", operatorText);
        v.ThrowIfInvalid();

        return await database.InTransactionAsync(async (tx, token) =>
        {
            var current = Visible(await repository.FindAsync(tx.Connection, id, token, forUpdate: true), caller, registrationId);
            current.RequireOpen();
            if (change(current) is not { } result) return await ViewAsync(tx, current, token); // nothing to change

            var (changed, detail) = result;
            changed = changed.Changed();
            await repository.UpdateAsync(tx, changed, token);
            await repository.AuditAsync(tx, id, new RegistrationAudit(action, detail, reason, operatorName, clock.GetUtcNowForDatabase()), token);
            Publish(tx, changed, action, reason);
            return await ViewAsync(tx, changed, token);
        }, ct);
    }

    private void Publish(OutboxTransaction tx, PrenatalRegistration r, string change, string reason) =>
        tx.Publish(new PrenatalRegistrationChanged(Guid.CreateVersion7(), clock.GetUtcNow(), r.RegistrationId, r.PregnancyId, r.IdNumber.Value, change,
            reason, r.State.ToString(), r.PregnancyDate, r.ExpectedDeliveryDate, r.FetusCount, r.HospitalCode, r.StateVersion));

    private async Task OpenedAsync(OutboxTransaction tx, PrenatalRegistration r, string detail, CancellationToken ct)
    {
        await repository.AuditAsync(tx, r.RegistrationId, new RegistrationAudit("registered", detail, "", r.Operator, r.RegisteredAt), ct);
        tx.Publish(new PrenatalRegistered(Guid.CreateVersion7(), r.RegisteredAt, r.RegistrationId, r.PregnancyId, r.IdNumber.Value, r.Region, r.PregnancyDate,
            r.ExpectedDeliveryDate, r.FetusCount, r.HospitalCode, r.Channel.ToString(), r.Automatic, r.PrenatalQuota));
    }

    private async Task<RegistrationView> ViewAsync(OutboxTransaction tx, PrenatalRegistration r, CancellationToken ct) =>
        new(r, await repository.AuditTrailAsync(tx.Connection, r.RegistrationId, ct));

    private DateOnly Today() => clock.GetLocalToday();

    [LoggerMessage(Level = LogLevel.Information, Message = "Automatic prenatal registration {RegistrationId} for {IdNumber}")]
    private partial void LogAutomatic(Guid registrationId, string idNumber);
}
