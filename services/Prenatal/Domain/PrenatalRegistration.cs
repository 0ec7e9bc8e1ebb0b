using MaternityCloud.BuildingBlocks.Domain;

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
    string? EndOutcome)
{
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
    public const int MaxFetusCount = 9;
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
        v.Check(count is >= 1 and <= MaxFetusCount, field, $"must be from 1 to {MaxFetusCount}");

    /// <summary>
    /// Whether a settlement ends the pregnancy, by the national codes: maternity inpatient (52) with a delivery,
    /// miscarriage or induced labour (matn_type 1–6), or family planning with an abortion or induced labour (birctrl 3, 4).
    /// </summary>
    public static string? EndingOutcome(string medicalType, string? maternityCategory, string? familyPlanningCategory) =>
        (medicalType, maternityCategory, familyPlanningCategory) switch
        {
            ("52", "1", _) => "normal-delivery",
            ("52", "2", _) => "assisted-delivery",
            ("52", "3", _) => "caesarean",
            ("52", "4", _) => "dystocia",
            ("52", "5", _) => "miscarriage",
            ("52", "6", _) => "induced-labour",
            ("5301" or "5302" or "51" or "52", _, "3") => "abortion",
            ("5301" or "5302" or "51" or "52", _, "4") => "induced-labour",
            _ => null,
        };
}
