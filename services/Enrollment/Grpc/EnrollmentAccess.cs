using MaternityCloud.Enrollment.Domain;
using MaternityCloud.ServiceDefaults.Security;
using static MaternityCloud.BuildingBlocks.Domain.AuditKind;
using static MaternityCloud.ServiceDefaults.Security.Callers;

namespace MaternityCloud.Enrollment.Grpc;

/// <summary>
/// Who may call each Enrollment method: the register is kept by clerks and the institution registry by the fund centre;
/// hospitals check eligibility and file. Claims, Allowance and Prenatal may ask only what each decides with.
/// </summary>
public static class EnrollmentAccess
{
    public static readonly MethodAccessTable Rules = new(Contracts.Enrollment.V1.Enrollment.Descriptor.FullName)
    {
        ["RegisterEmployer"] = new(Clerks | Administrator, Change),
        ["GetEmployer"] = new MethodAccess(Operators).AndServices(PlatformServices.Allowance),
        ["SetEmployerWage"] = new(Clerks | Administrator, Change),
        ["GetEmployerWage"] = new MethodAccess(Operators).AndServices(PlatformServices.Allowance),
        ["RegisterInsuredPerson"] = new(Clerks | Administrator, Change),
        ["GetInsuredPerson"] = new(Operators, Read),
        ["ChangeInsurance"] = new(Clerks | Administrator, Change),
        ["EndInsurance"] = new(Clerks | Administrator, Change),
        ["RecordContributions"] = new(Clerks | Administrator, Change),
        ["FileSpouse"] = new(Institution | Clerks | Administrator, Change),
        ["EnrollNewborn"] = new(Institution | Clerks | Administrator, Change),
        ["UpdateNewbornIdentity"] = new(Clerks | Administrator, Change),
        ["LinkNewborn"] = new MethodAccess(Clerks | Administrator, Change).AndServices(PlatformServices.OfficialAccount),
        ["IssueElectronicCode"] = new MethodAccess(Clerks | Administrator, Change).AndServices(PlatformServices.OfficialAccount),
        ["ResolveElectronicCode"] = new MethodAccess(Callers.None, Read).AndServices(PlatformServices.Claims),
        ["CheckEligibility"] = new MethodAccess(Institution | Operators, Read).AndServices(PlatformServices.Claims, PlatformServices.Allowance, PlatformServices.Prenatal),
        ["RegisterInstitution"] = new(FundCentre, Change),
        ["UpdateInstitution"] = new(FundCentre, Change),
        ["GetInstitution"] = new(Institution | Operators),
        ["ListInstitutions"] = new(Operators),
        ["LoadRegionPolicy"] = new(Administrator, Change),
        ["ListRegionPolicies"] = new(Institution | Operators),
        ["TransferIn"] = new(Clerks | Administrator, Change),
        ["TransferOut"] = new(Clerks | Administrator, Change),
        ["ListTransfers"] = new(Operators, Read),
        ["ListUnenrolledNewborns"] = new MethodAccess(Operators, Read),
        ["RemindUnenrolledGuardians"] = new(Clerks | Administrator, Change),
        ["LoadWorkingDayCalendar"] = new(Administrator, Change),
        ["ListWorkingDayCalendars"] = new(Institution | Operators),
    };

    /// <summary>Each department sends only the records it keeps (<see cref="DepartmentRecordKinds.Keepers"/>); every record is audited.</summary>
    public static readonly MethodAccessTable DepartmentRules = new(Contracts.Enrollment.V1.DepartmentExchange.Descriptor.FullName)
    {
        ["RecordMarriage"] = new(KeepersOf(DepartmentRecordKinds.Marriage), Change),
        ["RecordMarriageDissolution"] = new(KeepersOf(DepartmentRecordKinds.MarriageDissolution), Change),
        ["RecordBirthCertificate"] = new(KeepersOf(DepartmentRecordKinds.BirthCertificate), Change),
        ["RecordEmployment"] = new(KeepersOf(DepartmentRecordKinds.Employment), Change),
        ["RecordUnemployment"] = new(KeepersOf(DepartmentRecordKinds.Unemployment), Change),
        ["RecordRetirement"] = new(KeepersOf(DepartmentRecordKinds.Retirement), Change),
        ["RecordDeath"] = new(KeepersOf(DepartmentRecordKinds.Death), Change),
        ["RecordImprisonment"] = new(KeepersOf(DepartmentRecordKinds.Imprisonment), Change),
        // Any department may stream; each record in it is checked against its keepers.
        ["RecordBatch"] = new(DepartmentRecordKinds.Keepers.Keys.Select(KeepersOf).Aggregate((a, b) => a | b), Change),
    };

    private static Callers KeepersOf(string kind) =>
        DepartmentRecordKinds.Keepers[kind].Aggregate(Callers.None, (all, d) => all | MethodAccess.Of(d));
}
