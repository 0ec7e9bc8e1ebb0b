using Google.Rpc;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Tests.Infrastructure;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using DepartmentExchangeClient = MaternityCloud.Contracts.Enrollment.V1.DepartmentExchange.DepartmentExchangeClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Newborns through the guardian (亲情代办) and electronic medical-insurance codes: only the birth record's guardian links
/// the newborn, the code is issued once, and a hospital presenting a code in Settle settles for the person the code
/// identifies and no one else; a presented ID card must be the person's own.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ElectronicCodeTests(TestServers servers) : IAsyncLifetime
{
    private ClaimsPlatform _platform = null!;
    private EnrollmentClient _officialAccount = null!;
    private ClaimsClient _hospital = null!;

    public async Task InitializeAsync()
    {
        _platform = await ClaimsPlatform.StartAsync(servers, "codes");
        _officialAccount = new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Service("official-account")));
        _hospital = new ClaimsClient(_platform.ClaimsHost.Channel(Caller.Institution("H33030200001")));
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private static SettleRequest ByCode(string code, string idNumber = "")
    {
        var request = PrenatalCheck(idNumber.Length > 0 ? idNumber : TestData.IdNumber(), ("311202001", "200.00"));
        (request.IdNumber, request.CertificateType, request.CertificateNumber) = (idNumber, VisitCertificateType.ElectronicCode, code);
        return request;
    }

    private static T Detail<T>(RpcException e) where T : class, Google.Protobuf.IMessage<T>, new() => e.GetRpcStatus()!.GetDetail<T>();

    [Fact]
    public async Task The_birth_records_guardian_links_the_newborn_and_its_code_identifies_it_at_the_counter()
    {
        var mother = await _platform.EligibleMotherAsync();
        var birth = Today.AddDays(-3);
        var certificate = "Q33" + Random.Shared.Next(1000000, 9999999);
        await new DepartmentExchangeClient(_platform.EnrollmentHost.Channel(Departments.HealthCommission)).RecordBirthCertificateAsync(new BirthCertificate
        {
            RecordId = "WJ-" + Guid.NewGuid(), CertificateNumber = certificate, BirthDate = Date(birth), NewbornName = "陈小满",
            MotherIdNumber = mother, GuardianIdNumber = mother, GuardianName = "陈丽娟",
        });
        var newborn = await _platform.Enrollment.EnrollNewbornAsync(new EnrollNewbornRequest
        {
            BirthCertificateNumber = certificate, Name = "陈小满", BirthDate = Date(birth), GuardianIdNumber = mother,
        });

        // Someone else cannot link the newborn, and learns nothing about it.
        var stranger = await Assert.ThrowsAsync<RpcException>(() => _officialAccount.LinkNewbornAsync(new LinkNewbornRequest
        {
            BirthCertificateNumber = certificate, GuardianIdNumber = TestData.IdNumber(),
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, stranger.StatusCode);
        Assert.DoesNotContain("陈小满", stranger.Status.Detail);

        var linked = await _officialAccount.LinkNewbornAsync(new LinkNewbornRequest { BirthCertificateNumber = certificate, GuardianIdNumber = mother });
        var again = await _officialAccount.LinkNewbornAsync(new LinkNewbornRequest { BirthCertificateNumber = certificate, GuardianIdNumber = mother });
        Assert.Equal(newborn.PersonId, linked.PersonId);
        Assert.Matches("^EC[0-9A-F]{32}$", linked.ElectronicCode.Code);
        Assert.Equal((linked.ElectronicCode.Code, linked.LinkedAt), (again.ElectronicCode.Code, again.LinkedAt));

        // Before household registration the code identifies a newborn with no ID number: nothing is settled yet.
        var early = await Assert.ThrowsAsync<RpcException>(() => _hospital.SettleAsync(ByCode(linked.ElectronicCode.Code)).ResponseAsync);
        Assert.Equal("newborn-identity", Assert.Single(Detail<PreconditionFailure>(early).Violations).Type);

        // With the ID number recorded, the code settles for the newborn and no one else: a resident, not covered in Wenzhou.
        var idNumber = TestData.IdNumber(birth);
        await _platform.Enrollment.UpdateNewbornIdentityAsync(new UpdateNewbornIdentityRequest { PersonId = newborn.PersonId, IdNumber = idNumber });
        var refused = await Assert.ThrowsAsync<RpcException>(() => _hospital.SettleAsync(ByCode(linked.ElectronicCode.Code)).ResponseAsync);
        Assert.Contains("kind-not-covered", Detail<PreconditionFailure>(refused).Violations.Select(v => v.Type));
        Assert.Contains(idNumber[..6], refused.Status.Detail); // the newborn (masked), not anyone the hospital named
        Assert.Equal(0L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM settlement"));
    }

    [Fact]
    public async Task A_persons_own_code_settles_for_her_and_a_foreign_or_unknown_certificate_is_refused()
    {
        var mother = await _platform.EligibleEmployeeAsync();
        var code = (await _officialAccount.IssueElectronicCodeAsync(new IssueElectronicCodeRequest { IdNumber = mother })).Code;
        Assert.Equal(code, (await _officialAccount.IssueElectronicCodeAsync(new IssueElectronicCodeRequest { IdNumber = mother })).Code);

        var settled = await _hospital.SettleAsync(ByCode(code));
        Assert.Equal((mother, SettlementState.Settled), (settled.IdNumber, settled.State));

        var someoneElse = await Assert.ThrowsAsync<RpcException>(() => _hospital.SettleAsync(ByCode(code, TestData.IdNumber())).ResponseAsync);
        Assert.Equal("id_number", Assert.Single(Detail<BadRequest>(someoneElse).FieldViolations).Field);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _hospital.SettleAsync(ByCode("EC" + Guid.NewGuid().ToString("N").ToUpperInvariant())).ResponseAsync);
        Assert.Equal("certificate_number", Assert.Single(Detail<BadRequest>(unknown).FieldViolations).Field);

        var otherCard = PrenatalCheck(mother, ("311202001", "200.00"));
        otherCard.CertificateNumber = TestData.IdNumber();
        var card = await Assert.ThrowsAsync<RpcException>(() => _hospital.SettleAsync(otherCard).ResponseAsync);
        Assert.Equal("certificate_number", Assert.Single(Detail<BadRequest>(card).FieldViolations).Field);
        Assert.Equal(1L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM settlement"));

        // Only Claims resolves codes; a hospital cannot look up whom a code belongs to.
        var lookup = await Assert.ThrowsAsync<RpcException>(() => new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Institution("H33030200001")))
            .ResolveElectronicCodeAsync(new ResolveElectronicCodeRequest { Code = code }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, lookup.StatusCode);
    }
}
