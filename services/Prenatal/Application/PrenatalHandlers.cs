using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Prenatal.Domain;
using MaternityCloud.Prenatal.Infrastructure;

namespace MaternityCloud.Prenatal.Application;

public sealed record RegisterPregnancy(
    string IdNumber, string Region, string PregnancyDate, string ExpectedDeliveryDate, int FetusCount, string HospitalCode,
    RegistrationChannel? Channel, string Operator);

public sealed record EnsureRegistration(string IdNumber, string Region, string ServiceDate, int GestationalWeeks, int FetusCount, string HospitalCode);

public sealed record ChangeHospital(string RegistrationId, string HospitalCode, string Reason, string Operator);

public sealed record CorrectRegistration(
    string RegistrationId, string PregnancyDate, string ExpectedDeliveryDate, int FetusCount, string Reason, string Operator);

public sealed record CancelRegistration(string RegistrationId, string Reason, string Operator);

/// <summary>A registration with its audit trail, as operators and hospitals read it.</summary>
public sealed record RegistrationView(PrenatalRegistration Registration, IReadOnlyList<RegistrationAudit> Audit);

/// <summary>
/// Prenatal registration: every channel, one open registration per person, changes with reasons and an audit trail,
/// intelligent registration for Claims, and the end of the pregnancy when Claims settles it.
/// </summary>
public sealed partial class PrenatalHandlers(
    ServiceDatabase database, RegistrationRepository repository, RegionPolicyCatalog policies, TimeProvider clock, ILogger<PrenatalHandlers> logger)
    : IIntegrationEventHandler<SettlementCompleted>
{
    private const int MaxGestationalWeeks = 44;

    public async Task<RegistrationView> RegisterAsync(RegisterPregnancy command, CancellationToken ct)
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
        var policy = v.Region(policies, "region", command.Region, v.HasErrorFor("pregnancy_date") ? null : pregnancyDate);
        v.ThrowIfInvalid();

        var registration = new PrenatalRegistration(Guid.CreateVersion7(), id, policy!.Region, pregnancyDate, expected, command.FetusCount,
            hospital, policy.Medical.PrenatalCapPerPregnancy, command.Channel!.Value, operatorName, RegistrationState.Open, false, clock.GetUtcNowForDatabase(), null, null);
        return await database.InTransactionAsync(async (tx, token) =>
        {
            if (!await repository.TryInsertAsync(tx, registration, token))
            {
                var open = (await repository.FindOpenAsync(tx.Connection, id.Value, token))!;
                if (open.SamePregnancyAs(registration)) return await ViewAsync(tx, open, token);
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
        v.Check(command.GestationalWeeks is >= 1 and <= MaxGestationalWeeks, "gestational_weeks", $"must be from 1 to {MaxGestationalWeeks}");
        var fetusCount = command.FetusCount == 0 ? 1 : command.FetusCount;
        PregnancyRules.CheckFetusCount(v, "fetus_count", fetusCount);
        var hospital = v.InstitutionCode("hospital_code", command.HospitalCode);
        // Only from a valid date and term: an invalid one would move the date out of the calendar.
        DateOnly? pregnancyStarted = v.HasErrorFor("service_date") || v.HasErrorFor("gestational_weeks")
            ? null : serviceDate.AddDays(-7 * command.GestationalWeeks);
        var policy = v.Region(policies, "region", command.Region, pregnancyStarted);
        v.ThrowIfInvalid();
        var pregnancyDate = pregnancyStarted!.Value;

        var registration = new PrenatalRegistration(Guid.CreateVersion7(), id, policy!.Region, pregnancyDate,
            pregnancyDate.AddDays(PregnancyRules.TermDays), fetusCount, hospital, policy.Medical.PrenatalCapPerPregnancy,
            RegistrationChannel.Settlement, "settlement",
            RegistrationState.Open, true, clock.GetUtcNowForDatabase(), null, null);
        return await database.InTransactionAsync(async (tx, token) =>
        {
            if (!await repository.TryInsertAsync(tx, registration, token))
                return (await ViewAsync(tx, (await repository.FindOpenAsync(tx.Connection, id.Value, token))!, token), false);
            await OpenedAsync(tx, registration, $"created automatically by a prenatal check on {serviceDate:yyyy-MM-dd} at {command.GestationalWeeks} weeks", token);
            LogAutomatic(registration.RegistrationId, id.Masked);
            return (await ViewAsync(tx, registration, token), true);
        }, ct);
    }

    public Task<RegistrationView> ChangeHospitalAsync(ChangeHospital command, CancellationToken ct)
    {
        var v = new Validator();
        var hospital = v.InstitutionCode("hospital_code", command.HospitalCode);
        return ChangeAsync(v, command.RegistrationId, command.Reason, command.Operator, "hospital-changed",
            r => r.HospitalCode == hospital ? null : (r with { HospitalCode = hospital }, $"hospital {r.HospitalCode} → {hospital}"), ct);
    }

    public Task<RegistrationView> CorrectAsync(CorrectRegistration command, CancellationToken ct)
    {
        var v = new Validator();
        DateOnly? pregnancyDate = string.IsNullOrWhiteSpace(command.PregnancyDate) ? null : v.Date("pregnancy_date", command.PregnancyDate, notAfter: Today());
        DateOnly? expected = string.IsNullOrWhiteSpace(command.ExpectedDeliveryDate) ? null : v.Date("expected_delivery_date", command.ExpectedDeliveryDate);
        int? fetusCount = command.FetusCount == 0 ? null : command.FetusCount;
        if (fetusCount is { } count) PregnancyRules.CheckFetusCount(v, "fetus_count", count);
        v.Check(pregnancyDate is not null || expected is not null || fetusCount is not null, "registration_id",
            "a correction changes at least one of pregnancy_date, expected_delivery_date, fetus_count");
        return ChangeAsync(v, command.RegistrationId, command.Reason, command.Operator, "corrected", r =>
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

    public Task<RegistrationView> CancelAsync(CancelRegistration command, CancellationToken ct) =>
        ChangeAsync(new Validator(), command.RegistrationId, command.Reason, command.Operator, "cancelled",
            r => (r with { State = RegistrationState.Cancelled }, "state open → cancelled"), ct);

    public async Task<RegistrationView> GetAsync(string registrationId, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("registration_id", registrationId);
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        var registration = await repository.FindAsync(connection, id, ct) ?? throw new NotFoundException("prenatal registration", registrationId);
        return new RegistrationView(registration, await repository.AuditTrailAsync(connection, id, ct));
    }

    public async Task<IReadOnlyList<PrenatalRegistration>> ListAsync(string idNumber, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.IdNumber("id_number", idNumber);
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await repository.ListAsync(connection, id.Value, ct);
    }

    /// <summary>Only a childbirth or a termination ends a pregnancy; a prenatal check's settlement is acknowledged untouched.</summary>
    public bool Concerns(SettlementCompleted e) => PregnancyRules.EndingOutcome(e.MedicalType, e.MaternityCategory, e.FamilyPlanningCategory) is not null;

    /// <summary>Claims settled a visit: a childbirth or a termination ends the person's open registration.</summary>
    public async Task HandleAsync(SettlementCompleted e, OutboxTransaction tx, CancellationToken ct)
    {
        var outcome = PregnancyRules.EndingOutcome(e.MedicalType, e.MaternityCategory, e.FamilyPlanningCategory);
        if (outcome is null) return;
        var open = await repository.FindOpenAsync(tx.Connection, e.IdNumber.Trim().ToUpperInvariant(), ct, forUpdate: true);
        if (open is null) return; // never registered, or ended already: nothing to close

        var ended = open with { State = RegistrationState.Ended, EndedOn = e.ServiceDate, EndOutcome = outcome };
        await repository.UpdateAsync(tx, ended, ct);
        await repository.AuditAsync(tx, open.RegistrationId, new RegistrationAudit("ended",
            $"state open → ended ({outcome} on {e.ServiceDate:yyyy-MM-dd})", $"settlement {e.SettlementId}", "claims", clock.GetUtcNowForDatabase()), ct);
        tx.Publish(new PregnancyEnded(Guid.CreateVersion7(), clock.GetUtcNow(), open.RegistrationId, open.IdNumber.Value, e.ServiceDate,
            outcome, e.SettlementId));
    }

    private async Task<RegistrationView> ChangeAsync(
        Validator v, string registrationId, string reasonText, string operatorText, string action,
        Func<PrenatalRegistration, (PrenatalRegistration Changed, string Detail)?> change, CancellationToken ct)
    {
        var id = v.Uuid("registration_id", registrationId);
        var reason = v.Text("reason", reasonText, 200);
        var operatorName = v.Text("operator", operatorText);
        v.ThrowIfInvalid();

        return await database.InTransactionAsync(async (tx, token) =>
        {
            var current = await repository.FindAsync(tx.Connection, id, token, forUpdate: true)
                ?? throw new NotFoundException("prenatal registration", registrationId);
            current.RequireOpen();
            if (change(current) is not { } result) return await ViewAsync(tx, current, token); // nothing to change

            var (changed, detail) = result;
            await repository.UpdateAsync(tx, changed, token);
            await repository.AuditAsync(tx, id, new RegistrationAudit(action, detail, reason, operatorName, clock.GetUtcNowForDatabase()), token);
            tx.Publish(new PrenatalRegistrationChanged(Guid.CreateVersion7(), clock.GetUtcNow(), id, action, reason, changed.State.ToString(),
                changed.PregnancyDate, changed.ExpectedDeliveryDate, changed.FetusCount, changed.HospitalCode));
            return await ViewAsync(tx, changed, token);
        }, ct);
    }

    private async Task OpenedAsync(OutboxTransaction tx, PrenatalRegistration r, string detail, CancellationToken ct)
    {
        await repository.AuditAsync(tx, r.RegistrationId, new RegistrationAudit("registered", detail, "", r.Operator, r.RegisteredAt), ct);
        tx.Publish(new PrenatalRegistered(Guid.CreateVersion7(), r.RegisteredAt, r.RegistrationId, r.IdNumber.Value, r.Region, r.PregnancyDate,
            r.ExpectedDeliveryDate, r.FetusCount, r.HospitalCode, r.Channel.ToString(), r.Automatic, r.PrenatalQuota));
    }

    private async Task<RegistrationView> ViewAsync(OutboxTransaction tx, PrenatalRegistration r, CancellationToken ct) =>
        new(r, await repository.AuditTrailAsync(tx.Connection, r.RegistrationId, ct));

    private DateOnly Today() => clock.GetLocalToday();

    [LoggerMessage(Level = LogLevel.Information, Message = "Automatic prenatal registration {RegistrationId} for {IdNumber}")]
    private partial void LogAutomatic(Guid registrationId, string idNumber);
}
