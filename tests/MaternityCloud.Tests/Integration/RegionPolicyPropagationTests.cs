using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Prenatal.Grpc;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Tests.Infrastructure;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>A region an operator loads at Enrollment reaches the other services, which then decide with it too.</summary>
[Collection(ServersCollection.Name)]
public sealed class RegionPolicyPropagationTests(TestServers servers)
{
    [Fact]
    public async Task A_region_loaded_at_enrollment_is_known_to_prenatal_registration_without_a_restart()
    {
        var isolation = await servers.CreateIsolationAsync("policies", "enrollmentdb", "prenataldb");
        await using var enrollmentHost = new ServiceHost<EnrollmentGrpcService>(isolation);
        await using var prenatalHost = new ServiceHost<PrenatalGrpcService>(isolation,
            new Dictionary<string, string> { ["Policy:RefreshInterval"] = "00:00:00.200", ["services:enrollment:grpc:0"] = "http://localhost" },
            ServiceHost<PrenatalGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(enrollmentHost));
        var enrollment = new EnrollmentClient(enrollmentHost.Channel());
        var prenatal = new PrenatalClient(prenatalHost.Channel(Caller.Operator("fz-point-01", OperatorRole.GrassrootsClerk, "350102-gulou")));
        var today = DateOnly.FromDateTime(DateTime.Now);
        var person = new RegisterInsuredPersonRequest
        {
            IdNumber = TestData.IdNumber(), Name = "林晓梅", Kind = InsuredKind.Resident, InsuredFrom = "2024-01-01", Region = "350100",
        };

        // Fuzhou's parameters are not loaded: nobody can be insured there yet.
        var unknown = await Assert.ThrowsAsync<RpcException>(() => enrollment.RegisterInsuredPersonAsync(person).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);

        using var stream = typeof(MaternityCloud.BuildingBlocks.Policy.RegionPolicyDocument).Assembly.GetManifestResourceStream("Regions.000000-2024-01-01.json")!;
        var fuzhou = new StreamReader(stream).ReadToEnd().Replace("\"region\": \"000000\"", "\"region\": \"350100\"")
            .Replace("全国基线 (national baseline)", "福州市 (Fuzhou)");
        var loaded = await enrollment.LoadRegionPolicyAsync(new LoadRegionPolicyRequest { Document = fuzhou });
        await enrollment.RegisterInsuredPersonAsync(person);

        // Prenatal learns the region from Enrollment's event and opens the quota in its terms.
        var registered = await Eventually.Get(async () => await prenatal.RegisterPregnancyAsync(new RegisterPregnancyRequest
        {
            IdNumber = person.IdNumber, PregnancyDate = today.AddDays(-60).ToString("yyyy-MM-dd"), ExpectedDeliveryDate = today.AddDays(220).ToString("yyyy-MM-dd"),
            FetusCount = 1, HospitalCode = "H35010200001", Channel = Channel.GrassrootsPoint,
        }), TimeSpan.FromSeconds(30), "Prenatal to learn region 350100");
        Assert.Equal("350100", registered.Region);
        Assert.Equal("350100@2024-01-01", loaded.Version[..17]);
        Assert.Equal(1L, await isolation.CountAsync("prenataldb", "SELECT count(*) FROM region_policy WHERE region = '350100' AND loaded_by = 'test-admin'"));
    }
}
