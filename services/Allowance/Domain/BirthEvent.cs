using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Allowance.Domain;

/// <summary>What the allowance is for (生育津贴的享受情形).</summary>
public enum EventKind
{
    /// <summary>分娩: a birth, of one baby or more.</summary>
    Childbirth = 1,
    /// <summary>流产/引产: a pregnancy ended before birth; the days depend on how far it had gone.</summary>
    Miscarriage = 2,
    /// <summary>计划生育手术: leave days per surgery.</summary>
    FamilyPlanning = 3,
    /// <summary>护理假: the male employee's nursing leave when his wife gives birth.</summary>
    NursingLeave = 4,
}

/// <summary>The event an allowance case is about: one per person and event, however many channels report it.</summary>
public sealed record BirthEvent(EventKind Kind, DateOnly Date, int FetusCount, bool Dystocia, int GestationalWeeks, BenefitCategory? Category)
{
    /// <summary>Two reports within this many days of each other are the same pregnancy's end (or the same surgery).</summary>
    public const int SameEventWindowDays = 180;

    /// <summary>
    /// The event a settlement reports, in the national codes, or null when a settlement carries no allowance (a prenatal
    /// check, an IUD removal the region gives no days for is still an event: the days decide). A dystocia is the flag or
    /// matn_type 4; a termination (birctrl 3, 4) counts as a miscarriage by its gestational weeks.
    /// </summary>
    public static BirthEvent? FromSettlement(string medicalType, string? maternityCategory, string? familyPlanningCategory,
        int fetusCount, int gestationalWeeks, bool dystocia, DateOnly date)
    {
        var fetuses = Math.Max(1, fetusCount);
        switch (medicalType)
        {
            case "51" or "52":
                return maternityCategory switch
                {
                    "1" or "2" or "3" or "9" => new BirthEvent(EventKind.Childbirth, date, fetuses, dystocia, gestationalWeeks, null),
                    "4" => new BirthEvent(EventKind.Childbirth, date, fetuses, true, gestationalWeeks, null),
                    "5" or "6" => new BirthEvent(EventKind.Miscarriage, date, fetuses, false, gestationalWeeks, null),
                    _ => null, // 7: a prenatal check
                };
            case "5301" or "5302":
                return familyPlanningCategory switch
                {
                    "3" or "4" => new BirthEvent(EventKind.Miscarriage, date, fetuses, false, gestationalWeeks, null),
                    "1" => FamilyPlanning(BenefitCategory.IudInsertion),
                    "2" => FamilyPlanning(BenefitCategory.IudRemoval),
                    "5" => FamilyPlanning(BenefitCategory.Sterilisation),
                    "6" => FamilyPlanning(BenefitCategory.SterilisationReversal),
                    "7" => FamilyPlanning(BenefitCategory.Vasectomy),
                    "8" => FamilyPlanning(BenefitCategory.VasectomyReversal),
                    "9" => FamilyPlanning(BenefitCategory.OtherFamilyPlanning),
                    _ => null,
                };
            default:
                return null;
        }

        BirthEvent FamilyPlanning(BenefitCategory category) => new(EventKind.FamilyPlanning, date, 1, false, gestationalWeeks, category);
    }

    /// <summary>Whether <paramref name="other"/> is the same event reported again (by another channel, or with another date).</summary>
    public bool SameAs(BirthEvent other) =>
        Group(Kind) == Group(other.Kind) && Category == other.Category &&
        Math.Abs(Date.DayNumber - other.Date.DayNumber) <= (Kind == EventKind.FamilyPlanning ? 0 : SameEventWindowDays);

    /// <summary>A birth and a miscarriage are both the end of one pregnancy: one allowance between them.</summary>
    private static int Group(EventKind kind) => kind is EventKind.Childbirth or EventKind.Miscarriage ? 1 : (int)kind;
}
