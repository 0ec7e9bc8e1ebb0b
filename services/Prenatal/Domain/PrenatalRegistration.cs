using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Codes;

namespace MaternityCloud.Prenatal.Domain;

public enum RegistrationChannel
{
    HospitalServiceStation = 1,  // 医院医保服务站
    GrassrootsPoint = 2,         // 基层服务点
    Online = 3,
    Settlement = 4,              // intelligent registration from a prenatal-check settlement
}

public enum RegistrationState
{
    Open = 1,
    Ended = 2,
    Cancelled = 3,
}

/// <summary>
/// 产前登记: one pregnancy of one person. It opens the prenatal quota (<see cref="PrenatalQuota"/>, yuan, the region's
/// cap per pregnancy on the pregnancy date) and ends when the pregnancy does.
/// </summary>
public sealed record PrenatalRegistration(
    Guid RegistrationId,
    Guid PregnancyId,
    ResidentIdNumber IdNumber,
    string Region,
    DateOnly PregnancyDate,
    DateOnly ExpectedDeliveryDate,
    int FetusCount,
    string HospitalCode,
    decimal PrenatalQuota,
    RegistrationChannel Channel,
    string Operator,
    RegistrationState State,
    bool Automatic,
    DateTimeOffset RegisteredAt,
    DateOnly? EndedOn,
    string? EndOutcome,
    int StateVersion,
    Guid? EndedBy)
{
    /// <summary>
    /// The pregnancy a new registration is for: that of the person's last registration when it was cancelled (not ended)
    /// and the new pregnancy date falls before its expected delivery, since then it is the same pregnancy registered again;
    /// otherwise a new one.
    /// </summary>
    public static Guid PregnancyOf(PrenatalRegistration? latest, DateOnly pregnancyDate) =>
        latest is { State: RegistrationState.Cancelled } && pregnancyDate < latest.ExpectedDeliveryDate ? latest.PregnancyId : Guid.CreateVersion7();

    /// <summary>The registration after a change: one more in its count of changes.</summary>
    public PrenatalRegistration Changed() => this with { StateVersion = StateVersion + 1 };

    /// <summary>A retried request carries the same pregnancy facts; anything else is a second registration.</summary>
    public bool SamePregnancyAs(PrenatalRegistration other) =>
        IdNumber == other.IdNumber && Region == other.Region && PregnancyDate == other.PregnancyDate &&
        ExpectedDeliveryDate == other.ExpectedDeliveryDate && FetusCount == other.FetusCount && HospitalCode == other.HospitalCode;

    public void RequireOpen()
    {
        if (State != RegistrationState.Open)
            throw new RuleViolationException("registration-open", $"registration {RegistrationId} is {State.ToString().ToLowerInvariant()}; only an open registration changes");
    }
}

/// <summary>One line of a registration's audit trail: what changed (from → to), why, and who did it.</summary>
public sealed record RegistrationAudit(string Action, string Detail, string Reason, string Operator, DateTimeOffset At);

public static class PregnancyRules
{
    /// <summary>44 weeks: no pregnancy lasts longer, so an expected date beyond it is a typing error.</summary>
    public const int MaxPregnancyDays = 44 * 7;
    /// <summary>Full term counted from the pregnancy date, for automatic registrations (280 days).</summary>
    public const int TermDays = 280;

    public static void CheckDates(Validator v, DateOnly pregnancyDate, DateOnly expected, string pregnancyField, string expectedField)
    {
        if (v.HasErrorFor(pregnancyField) || v.HasErrorFor(expectedField)) return;
        v.Check(expected > pregnancyDate, expectedField, "must be after the pregnancy date");
        v.Check(expected <= pregnancyDate.AddDays(MaxPregnancyDays), expectedField, "must be within 44 weeks of the pregnancy date");
    }

    public static void CheckFetusCount(Validator v, string field, int count) =>
        NationalCodes.CheckFetusCount(count, (f, reason) => v.Add(f, reason), field);
}
