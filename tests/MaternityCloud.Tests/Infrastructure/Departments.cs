using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>Wenzhou's departments as the platform's issuer would name them in their credentials.</summary>
public static class Departments
{
    public static readonly Caller CivilAffairs = Caller.OfDepartment("MZ330300", Department.CivilAffairs, "330300");
    public static readonly Caller HealthCommission = Caller.OfDepartment("WJ330300", Department.HealthCommission, "330300");
    public static readonly Caller HumanResources = Caller.OfDepartment("RS330300", Department.HumanResources, "330300");
    public static readonly Caller PublicSecurity = Caller.OfDepartment("GA330300", Department.PublicSecurity, "330300");
    public static readonly Caller Justice = Caller.OfDepartment("SF330300", Department.Justice, "330300");
}
