using MaternityCloud.Contracts.Codes;

namespace MaternityCloud.Allowance.Domain;

/// <summary>The event an allowance case is about: one per person and event, however many channels report it.</summary>
public sealed record BirthEvent(AllowanceEventKind Kind, DateOnly Date, int FetusCount, bool Dystocia, int GestationalWeeks, BenefitCategory? Category)
{
    /// <summary>Two reports within this many days of each other are the same pregnancy's end (or the same surgery).</summary>
    public const int SameEventWindowDays = 180;

    /// <summary>
    /// The event a settled visit is, from its classification (contracts' NationalCodes), or null when the visit carries
    /// no allowance (a prenatal check, other maternity care). A family-planning surgery is one baby's worth of nothing:
    /// its days come from its category.
    /// </summary>
    public static BirthEvent? FromVisit(ClassifiedVisit visit, DateOnly date) => visit.Allowance switch
    {
        AllowanceEventKind.Childbirth => new(AllowanceEventKind.Childbirth, date, visit.FetusCount, visit.Dystocia, visit.GestationalWeeks, null),
        AllowanceEventKind.Miscarriage => new(AllowanceEventKind.Miscarriage, date, visit.FetusCount, false, visit.GestationalWeeks, null),
        AllowanceEventKind.FamilyPlanning => new(AllowanceEventKind.FamilyPlanning, date, 0, false, 0, visit.Category),
        _ => null,
    };

    /// <summary>Whether <paramref name="other"/> is the same event reported again (by another channel, or with another date).</summary>
    public bool SameAs(BirthEvent other) =>
        Group(Kind) == Group(other.Kind) && (Kind != AllowanceEventKind.FamilyPlanning || Category == other.Category) &&
        Math.Abs(Date.DayNumber - other.Date.DayNumber) <= (Kind == AllowanceEventKind.FamilyPlanning ? 0 : SameEventWindowDays);

    /// <summary>What differs between a claimed event and the settled one, for the case's record; empty when nothing does.</summary>
    public IReadOnlyList<string> DifferencesFrom(BirthEvent settled)
    {
        var differences = new List<string>();
        if (Kind != settled.Kind) differences.Add($"event {Kind} claimed, {settled.Kind} settled");
        if (Date != settled.Date) differences.Add($"date {Date:yyyy-MM-dd} claimed, {settled.Date:yyyy-MM-dd} settled");
        if (FetusCount != settled.FetusCount) differences.Add($"fetus count {FetusCount} claimed, {settled.FetusCount} settled");
        if (Dystocia != settled.Dystocia) differences.Add($"dystocia {(Dystocia ? "claimed" : "not claimed")}, {(settled.Dystocia ? "settled" : "not settled")}");
        if (GestationalWeeks != settled.GestationalWeeks) differences.Add($"{GestationalWeeks} gestational weeks claimed, {settled.GestationalWeeks} settled");
        if (Category != settled.Category) differences.Add($"category {Category} claimed, {settled.Category} settled");
        return differences;
    }

    /// <summary>A birth and a miscarriage are both the end of one pregnancy: one allowance between them.</summary>
    private static int Group(AllowanceEventKind kind) => kind is AllowanceEventKind.Childbirth or AllowanceEventKind.Miscarriage ? 1 : (int)kind;
}
