using MaternityCloud.ServiceDefaults.Security;
using static MaternityCloud.BuildingBlocks.Domain.AuditKind;
using static MaternityCloud.ServiceDefaults.Security.Callers;

namespace MaternityCloud.Prenatal.Grpc;

/// <summary>
/// Who may call each Prenatal method. A hospital registers pregnancies and hands on the registrations it holds, and
/// reads only those; corrections and cancellations are a clerk's. Only Claims ensures a registration from a settlement.
/// Which registration a hospital may act on is decided in the handler, before anything changes.
/// </summary>
public static class PrenatalAccess
{
    public static readonly MethodAccessTable Rules = new(Contracts.Prenatal.V1.Prenatal.Descriptor.FullName)
    {
        ["RegisterPregnancy"] = new(Institution | Clerks | Administrator, Change),
        ["EnsureRegistration"] = new MethodAccess(Callers.None, Change).AndServices(PlatformServices.Claims),
        ["ChangeHospital"] = new(Institution | Clerks | Administrator, Change),
        ["CorrectRegistration"] = new(Clerks | Administrator, Change),
        ["CancelRegistration"] = new(Clerks | Administrator, Change),
        ["GetRegistration"] = new MethodAccess(Institution | Operators, Read).AndServices(PlatformServices.Claims),
        ["ListRegistrations"] = new MethodAccess(Institution | Operators, Read).AndServices(PlatformServices.Claims),
    };
}
