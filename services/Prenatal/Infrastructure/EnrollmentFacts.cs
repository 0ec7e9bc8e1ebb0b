using System.Globalization;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Prenatal.Application;
using MaternityCloud.ServiceDefaults.Grpc;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Prenatal.Infrastructure;

/// <summary>
/// Enrollment's CheckEligibility through service discovery (services__enrollment__grpc__0): the person's pooling region
/// from the insurance record and the hospital's standing in the registry, in one call. Unavailable when Enrollment
/// cannot answer: the caller retries the same request.
/// </summary>
public sealed class EnrollmentFacts(EnrollmentClient client) : IRegistrationFacts
{
    public async Task<RegistrationFacts> OnAsync(string idNumber, DateOnly date, string hospitalCode, CancellationToken ct)
    {
        var decision = await PlatformCalls.RunAsync("enrollment (eligibility)", () => client.CheckEligibilityAsync(new CheckEligibilityRequest
        {
            IdNumber = idNumber, Benefit = Benefit.MaternityMedical, InstitutionCode = hospitalCode,
            EventDate = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }, deadline: PlatformCalls.Deadline(), cancellationToken: ct).ResponseAsync);
        var hospital = decision.Institution ?? new Contracts.Enrollment.V1.InstitutionStanding { InstitutionCode = hospitalCode };
        return new RegistrationFacts(decision.Region, hospital.Designated, hospital.MaternityQualified,
            decision.Reasons.FirstOrDefault(r => r.Code == "deceased")?.Message);
    }
}
