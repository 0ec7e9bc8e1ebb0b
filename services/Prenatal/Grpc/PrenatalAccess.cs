using MaternityCloud.ServiceDefaults.Security;
using static MaternityCloud.BuildingBlocks.Domain.AuditKind;
using static MaternityCloud.ServiceDefaults.Security.Callers;

namespace MaternityCloud.Prenatal.Grpc;

/// <summary>
/// Who may call each Prenatal method. A hospital registers and moves pregnancies to itself; corrections and
/// cancellations are its service-station clerk's (an operator), since the request names no hospital to hold it to.
/// </summary>
public static class PrenatalAccess
{
    public static readonly MethodAccessTable Rules = new(Contracts.Prenatal.V1.Prenatal.Descriptor.FullName)
    {
        ["RegisterPregnancy"] = new(Institution | Clerks | Administrator, Change),
        ["EnsureRegistration"] = new(Service, Change),
        ["ChangeHospital"] = new(Institution | Clerks | Administrator, Change),
        ["CorrectRegistration"] = new(Clerks | Administrator, Change),
        ["CancelRegistration"] = new(Clerks | Administrator, Change),
        ["GetRegistration"] = new(Institution | Operators | Service, Read),
        ["ListRegistrations"] = new(Institution | Operators | Service, Read),
    };
}
