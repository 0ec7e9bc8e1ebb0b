using System.Globalization;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Claims.Application;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.ServiceDefaults.Grpc;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

namespace MaternityCloud.Claims.Infrastructure;

/// <summary>
/// Enrollment's CheckEligibility through service discovery (services__enrollment__grpc__0), with a deadline. When
/// Enrollment cannot answer, the settlement is refused as Unavailable: the hospital retries with the same request id.
/// </summary>
public sealed class EnrollmentEligibility(EnrollmentClient client) : IEligibility
{
    public async Task<EligibilityAnswer> CheckMaternityMedicalAsync(string idNumber, DateOnly serviceDate, string? institutionCode, CancellationToken ct)
    {
        var decision = await PlatformCalls.RunAsync("enrollment (eligibility)", () => client.CheckEligibilityAsync(new CheckEligibilityRequest
        {
            IdNumber = idNumber, Benefit = Benefit.MaternityMedical, InstitutionCode = institutionCode ?? "",
            EventDate = serviceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }, deadline: PlatformCalls.Deadline(), cancellationToken: ct).ResponseAsync);
        var i = decision.Institution;
        return new EligibilityAnswer(decision.Eligible, decision.Reasons.Select(r => (r.Code, r.Message)).ToList(), decision.PolicyVersion,
            decision.AsFiledSpouse, decision.Region,
            i is null ? null : new Application.InstitutionStanding(i.InstitutionCode, i.Designated, i.Region, i.MaternityQualified, i.FamilyPlanningQualified, i.CrossRegionSettlement));
    }
}

/// <summary>Enrollment's ResolveElectronicCode: whom the electronic code a hospital presents identifies.</summary>
public sealed class EnrollmentElectronicCodes(EnrollmentClient client) : IVisitCertificates
{
    public async Task<CodeHolder?> ResolveElectronicCodeAsync(string code, CancellationToken ct)
    {
        try
        {
            var holder = await client.ResolveElectronicCodeAsync(new ResolveElectronicCodeRequest { Code = code },
                deadline: PlatformCalls.Deadline(), cancellationToken: ct).ResponseAsync;
            return new CodeHolder(holder.IdNumber.Length > 0 ? holder.IdNumber : null);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            return null; // not a code the platform issued
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown)
        {
            throw new DependencyUnavailableException("enrollment (electronic code)", e);
        }
    }
}

/// <summary>Prenatal's registrations: the open one, or an automatic one for a prenatal check (EnsureRegistration).</summary>
public sealed class PrenatalRegistrations(PrenatalClient client) : IPrenatalRegistrations
{
    public async Task<OpenRegistration?> FindOpenAsync(string idNumber, CancellationToken ct)
    {
        var list = await PlatformCalls.RunAsync("prenatal", () => client.ListRegistrationsAsync(
            new ListRegistrationsRequest { IdNumber = idNumber }, deadline: PlatformCalls.Deadline(), cancellationToken: ct).ResponseAsync);
        return list.Registrations.Where(r => r.State == RegistrationState.Open).Select(ToOpen).FirstOrDefault();
    }

    public async Task<OpenRegistration> EnsureAsync(string idNumber, string region, DateOnly serviceDate, int gestationalWeeks, int fetusCount,
        string hospitalCode, CancellationToken ct)
    {
        var reply = await PlatformCalls.RunAsync("prenatal", () => client.EnsureRegistrationAsync(new EnsureRegistrationRequest
        {
            IdNumber = idNumber, Region = region, ServiceDate = serviceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            GestationalWeeks = gestationalWeeks, FetusCount = fetusCount, HospitalCode = hospitalCode,
        }, deadline: PlatformCalls.Deadline(), cancellationToken: ct).ResponseAsync);
        return ToOpen(reply.Registration);
    }

    private static OpenRegistration ToOpen(Registration r) =>
        new(Guid.Parse(r.RegistrationId), Guid.Parse(r.PregnancyId), r.IdNumber, r.Region, decimal.Parse(r.PrenatalQuota, CultureInfo.InvariantCulture),
            r.StateVersion);
}
