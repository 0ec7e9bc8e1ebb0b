using MaternityCloud.ServiceDefaults.Security;
using static MaternityCloud.BuildingBlocks.Domain.AuditKind;
using static MaternityCloud.ServiceDefaults.Security.Callers;

namespace MaternityCloud.Enrollment.Grpc;

/// <summary>Who may call each Enrollment method: the register is kept by clerks; hospitals check eligibility and file.</summary>
public static class EnrollmentAccess
{
    public static readonly MethodAccessTable Rules = new(Contracts.Enrollment.V1.Enrollment.Descriptor.FullName)
    {
        ["RegisterEmployer"] = new(Clerks | Administrator, Change),
        ["GetEmployer"] = new(Operators | Service),
        ["SetEmployerWage"] = new(Clerks | Administrator, Change),
        ["GetEmployerWage"] = new(Operators | Service),
        ["RegisterInsuredPerson"] = new(Clerks | Administrator, Change),
        ["GetInsuredPerson"] = new(Operators | Service, Read),
        ["ChangeInsurance"] = new(Clerks | Administrator, Change),
        ["EndInsurance"] = new(Clerks | Administrator, Change),
        ["RecordContributions"] = new(Clerks | Administrator, Change),
        ["FileSpouse"] = new(Institution | Clerks | Administrator, Change),
        ["EnrollNewborn"] = new(Institution | Clerks | Administrator, Change),
        ["UpdateNewbornIdentity"] = new(Clerks | Administrator, Change),
        ["CheckEligibility"] = new(Institution | Operators | Service, Read),
        ["LoadRegionPolicy"] = new(Administrator, Change),
        ["ListRegionPolicies"] = new(Institution | Operators | Service),
    };
}
