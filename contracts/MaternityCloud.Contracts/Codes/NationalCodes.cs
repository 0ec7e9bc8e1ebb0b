using System.Text.Json.Serialization;

namespace MaternityCloud.Contracts.Codes;

/// <summary>
/// What a childbirth or family-planning visit was, as far as quotas, fixed amounts and leave days go. Named after the
/// national maternity category (matn_type 1–6, 9) and family-planning category (birctrl_type 1–9).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<BenefitCategory>))]
public enum BenefitCategory
{
    NormalDelivery,
    AssistedDelivery,
    Caesarean,
    Dystocia,
    Miscarriage,
    InducedLabour,
    OtherMaternity,
    IudInsertion,
    IudRemoval,
    Abortion,
    FamilyPlanningInducedLabour,
    Sterilisation,
    SterilisationReversal,
    Vasectomy,
    VasectomyReversal,
    OtherFamilyPlanning,
}

/// <summary>Which maternity rules a visit is settled under.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VisitKind>))]
public enum VisitKind
{
    /// <summary>产前检查: med_type 51 with matn_type 7, settled through the prenatal channel against the pregnancy's quota.</summary>
    PrenatalCheck,
    /// <summary>Childbirth, pregnancy end or other maternity care (分娩, 流产, 引产): med_type 51 or 52.</summary>
    Maternity,
    /// <summary>Family-planning surgery (计划生育): med_type 5301 or 5302.</summary>
    FamilyPlanning,
}

/// <summary>How a pregnancy ended, when a visit ends one (the registration closes and its quota with it).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PregnancyOutcome>))]
public enum PregnancyOutcome
{
    NormalDelivery,
    AssistedDelivery,
    Caesarean,
    Dystocia,
    Miscarriage,
    InducedLabour,
    Abortion,
}

/// <summary>What the maternity allowance is paid for (生育津贴的享受情形).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AllowanceEventKind>))]
public enum AllowanceEventKind
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

/// <summary>
/// A visit in the national platform's codes, classified once: every service reads these facts instead of decoding the
/// codes again. <see cref="Allowance"/> says which allowance event the visit is (null: none), <see cref="PregnancyEnd"/>
/// whether and how it ends the pregnancy.
/// </summary>
public sealed record ClassifiedVisit(
    string MedicalType,
    string? MaternityCategory,
    string? FamilyPlanningCategory,
    VisitKind Kind,
    BenefitCategory? Category,
    bool Inpatient,
    bool ConcernsPregnancy,
    PregnancyOutcome? PregnancyEnd,
    AllowanceEventKind? Allowance,
    int FetusCount,
    int GestationalWeeks,
    bool Dystocia,
    bool Complication)
{
    /// <summary>A childbirth, miscarriage or family-planning surgery the maternity allowance may be paid for.</summary>
    public bool OpensAllowance => Allowance is not null;
}

/// <summary>
/// The national medical-insurance platform's codes for maternity visits (domain.md, "National interface vocabulary"),
/// decoded in one place for every service, so the same request is accepted or refused the same way wherever it arrives:
/// med_type (51, 52, 5301, 5302), matn_type (1–7, 9), birctrl_type (1–9), fetus count (fetus_cnt) and gestational
/// weeks (geso_val).
/// </summary>
public static class NationalCodes
{
    public const int MaxFetusCount = 9;
    public const int MaxGestationalWeeks = 44;
    public const string PrenatalCheckCategory = "7";

    private static readonly Dictionary<string, (BenefitCategory Category, PregnancyOutcome? End, AllowanceEventKind? Allowance)> Maternity = new()
    {
        ["1"] = (BenefitCategory.NormalDelivery, PregnancyOutcome.NormalDelivery, AllowanceEventKind.Childbirth),
        ["2"] = (BenefitCategory.AssistedDelivery, PregnancyOutcome.AssistedDelivery, AllowanceEventKind.Childbirth),
        ["3"] = (BenefitCategory.Caesarean, PregnancyOutcome.Caesarean, AllowanceEventKind.Childbirth),
        ["4"] = (BenefitCategory.Dystocia, PregnancyOutcome.Dystocia, AllowanceEventKind.Childbirth),
        ["5"] = (BenefitCategory.Miscarriage, PregnancyOutcome.Miscarriage, AllowanceEventKind.Miscarriage),
        ["6"] = (BenefitCategory.InducedLabour, PregnancyOutcome.InducedLabour, AllowanceEventKind.Miscarriage),
        // 9 "other": maternity care that is neither a delivery nor a pregnancy end; no allowance follows from it.
        ["9"] = (BenefitCategory.OtherMaternity, null, null),
    };

    private static readonly Dictionary<string, (BenefitCategory Category, PregnancyOutcome? End, AllowanceEventKind? Allowance)> FamilyPlanning = new()
    {
        ["1"] = (BenefitCategory.IudInsertion, null, AllowanceEventKind.FamilyPlanning),
        ["2"] = (BenefitCategory.IudRemoval, null, AllowanceEventKind.FamilyPlanning),
        // A termination ends the pregnancy; its allowance is a miscarriage's, by gestational weeks.
        ["3"] = (BenefitCategory.Abortion, PregnancyOutcome.Abortion, AllowanceEventKind.Miscarriage),
        ["4"] = (BenefitCategory.FamilyPlanningInducedLabour, PregnancyOutcome.InducedLabour, AllowanceEventKind.Miscarriage),
        ["5"] = (BenefitCategory.Sterilisation, null, AllowanceEventKind.FamilyPlanning),
        ["6"] = (BenefitCategory.SterilisationReversal, null, AllowanceEventKind.FamilyPlanning),
        ["7"] = (BenefitCategory.Vasectomy, null, AllowanceEventKind.FamilyPlanning),
        ["8"] = (BenefitCategory.VasectomyReversal, null, AllowanceEventKind.FamilyPlanning),
        ["9"] = (BenefitCategory.OtherFamilyPlanning, null, AllowanceEventKind.FamilyPlanning),
    };

    /// <summary>
    /// Classifies a visit, or calls <paramref name="refuse"/> (field, reason) for every field that is wrong and returns null. A visit that concerns a
    /// pregnancy (a prenatal check, any matn_type, a termination) needs a fetus count of 1–9 and gestational weeks
    /// 1–44; any other family-planning visit has neither and must send 0 for both. A prenatal check is outpatient only.
    /// </summary>
    public static ClassifiedVisit? ClassifyVisit(string? medicalType, string? maternityCategory, string? familyPlanningCategory,
        int fetusCount, int gestationalWeeks, bool dystocia, bool complication, Action<string, string> refuse) =>
        Classify(medicalType, maternityCategory, familyPlanningCategory, fetusCount, gestationalWeeks, dystocia, complication, refuse, checkFacts: true);

    /// <summary>
    /// A visit as it was settled, from the codes and counts stored with it: the codes decoded as above, the counts as they
    /// were accepted then (not checked again against rules that came later); null only for codes that never classified.
    /// </summary>
    public static ClassifiedVisit? ClassifyStored(string? medicalType, string? maternityCategory, string? familyPlanningCategory,
        int fetusCount, int gestationalWeeks, bool dystocia, bool complication) =>
        Classify(medicalType, maternityCategory, familyPlanningCategory, fetusCount, gestationalWeeks, dystocia, complication, (_, _) => { }, checkFacts: false);

    private static ClassifiedVisit? Classify(string? medicalType, string? maternityCategory, string? familyPlanningCategory,
        int fetusCount, int gestationalWeeks, bool dystocia, bool complication, Action<string, string> refuse, bool checkFacts)
    {
        var type = (medicalType ?? "").Trim();
        var matn = Blank(maternityCategory);
        var birctrl = Blank(familyPlanningCategory);
        var refused = false;
        void Refuse(string field, string reason) { refused = true; refuse(field, reason); }
        ClassifiedVisit? visit = null;
        switch (type)
        {
            case "51" or "52":
                if (birctrl is not null)
                    Refuse("family_planning_category", "must be empty for medical types 51 and 52 (birctrl_type is for 5301 and 5302)");
                if (matn == PrenatalCheckCategory)
                {
                    if (type == "52") Refuse("maternity_category", "7 (prenatal check) is an outpatient visit: medical_type 51");
                    else visit = new(type, matn, null, VisitKind.PrenatalCheck, null, false, true, null, null, fetusCount, gestationalWeeks, false, complication);
                }
                else if (matn is not null && Maternity.TryGetValue(matn, out var m))
                    visit = new(type, matn, null, VisitKind.Maternity, m.Category, type == "52", true, m.End, m.Allowance, fetusCount, gestationalWeeks,
                        dystocia || m.Category == BenefitCategory.Dystocia, complication);
                else Refuse("maternity_category", "is required for medical types 51 and 52: matn_type 1-7 or 9");
                break;
            case "5301" or "5302":
                if (matn is not null)
                    Refuse("maternity_category", "must be empty for medical types 5301 and 5302 (matn_type is for 51 and 52)");
                if (birctrl is not null && FamilyPlanning.TryGetValue(birctrl, out var f))
                    visit = new(type, null, birctrl, VisitKind.FamilyPlanning, f.Category, type == "5302", f.End is not null, f.End, f.Allowance,
                        fetusCount, gestationalWeeks, false, complication);
                else Refuse("family_planning_category", "is required for medical types 5301 and 5302: birctrl_type 1-9");
                break;
            default:
                Refuse("medical_type", "must be 51 (maternity outpatient), 52 (maternity inpatient), 5301 or 5302 (family planning)");
                break;
        }
        if (visit is null || !checkFacts) return visit;
        if (visit.ConcernsPregnancy) CheckPregnancy(fetusCount, gestationalWeeks, Refuse);
        else
        {
            if (fetusCount != 0) Refuse("fetus_count", $"does not apply to family_planning_category {birctrl}: send 0");
            if (gestationalWeeks != 0) Refuse("gestational_weeks", $"does not apply to family_planning_category {birctrl}: send 0");
        }
        if (dystocia && visit.Allowance != AllowanceEventKind.Childbirth)
            Refuse("dystocia", "applies to a delivery only (matn_type 1-4)");
        return refused ? null : visit;
    }

    /// <summary>The facts of a pregnancy a caller states: 1–9 fetuses, 1–44 gestational weeks.</summary>
    public static void CheckPregnancy(int fetusCount, int gestationalWeeks, Action<string, string> refuse)
    {
        CheckFetusCount(fetusCount, refuse);
        if (gestationalWeeks is < 1 or > MaxGestationalWeeks)
            refuse("gestational_weeks", $"must be from 1 to {MaxGestationalWeeks} for a visit that concerns a pregnancy (geso_val)");
    }

    public static void CheckFetusCount(int fetusCount, Action<string, string> refuse, string field = "fetus_count")
    {
        if (fetusCount is < 1 or > MaxFetusCount)
            refuse(field, $"must be from 1 to {MaxFetusCount} (fetus_cnt)");
    }

    /// <summary>A family-planning surgery's category for an allowance application: birctrl_type 1, 2 or 5-9 (3 and 4 are miscarriages).</summary>
    public static BenefitCategory? FamilyPlanningSurgery(string? familyPlanningCategory) =>
        Blank(familyPlanningCategory) is { } code && FamilyPlanning.TryGetValue(code, out var f) && f.Allowance == AllowanceEventKind.FamilyPlanning
            ? f.Category : null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
