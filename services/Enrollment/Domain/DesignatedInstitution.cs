namespace MaternityCloud.Enrollment.Domain;

/// <summary>What an institution is qualified to provide under maternity insurance (生育/计划生育服务资质).</summary>
public enum QualificationKind
{
    /// <summary>Prenatal care and childbirth.</summary>
    Maternity = 1,
    /// <summary>Family-planning surgery.</summary>
    FamilyPlanning = 2,
}

public sealed record Qualification(QualificationKind Kind, DateOnly ValidFrom, DateOnly? ValidTo)
{
    public bool Covers(DateOnly date) => ValidFrom <= date && (ValidTo is null || date <= ValidTo);
}

/// <summary>
/// A designated medical institution (定点医疗机构) as the fund centre registered it: where it is designated (its pooling
/// region), its service agreement's validity, what it is qualified for and since when, and whether it settles insured
/// persons of other regions directly. Settlements and registrations read it on their service date.
/// </summary>
public sealed record DesignatedInstitution(
    string Code,
    string Name,
    string Region,
    int Level,
    DateOnly AgreementFrom,
    DateOnly? AgreementTo,
    IReadOnlyList<Qualification> Qualifications,
    bool CrossRegionSettlement,
    long Revision,
    DateTimeOffset UpdatedAt)
{
    public bool DesignatedOn(DateOnly date) => AgreementFrom <= date && (AgreementTo is null || date <= AgreementTo);

    /// <summary>The institution's standing on a date: qualified only while designated too.</summary>
    public InstitutionStanding StandingOn(DateOnly date)
    {
        var designated = DesignatedOn(date);
        bool Qualified(QualificationKind kind) => designated && Qualifications.Any(q => q.Kind == kind && q.Covers(date));
        return new InstitutionStanding(Code, designated, Region, Qualified(QualificationKind.Maternity), Qualified(QualificationKind.FamilyPlanning),
            CrossRegionSettlement);
    }

    /// <summary>The same registration as a repeated request would carry (not its revision or time).</summary>
    public bool SameRecordAs(DesignatedInstitution other) =>
        Code == other.Code && Name == other.Name && Region == other.Region && Level == other.Level && AgreementFrom == other.AgreementFrom &&
        AgreementTo == other.AgreementTo && CrossRegionSettlement == other.CrossRegionSettlement && Qualifications.SequenceEqual(other.Qualifications);
}

/// <summary>An institution's standing on one date, as the registry answers it (an unknown code is not designated).</summary>
public sealed record InstitutionStanding(
    string InstitutionCode, bool Designated, string Region, bool MaternityQualified, bool FamilyPlanningQualified, bool CrossRegionSettlement)
{
    public static InstitutionStanding Unknown(string code) => new(code, false, "", false, false, false);
}
