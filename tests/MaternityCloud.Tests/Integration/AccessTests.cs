using System.Collections.Concurrent;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;
using Role = MaternityCloud.BuildingBlocks.Domain.OperatorRole;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Who may call: identity from the credential only, another institution's data refused and logged, roles per method,
/// and the audit log of reads and changes that no one can edit.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AccessTests(TestServers servers) : IAsyncLifetime
{
    private const string Mine = "H33030200001", Theirs = "H33030200002";
    private ClaimsPlatform _platform = null!;

    public async Task InitializeAsync() => _platform = await StartAsync(servers, "access");

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private ClaimsClient ClaimsAs(Caller caller) => new(_platform.ClaimsHost.Channel(caller));

    [Fact]
    public async Task A_call_without_a_valid_credential_is_unauthenticated_and_changes_nothing()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var request = PrenatalCheck(person, ("250102001", "12.00"));
        var stranger = ECDsa();
        var forged = PlatformCredentials.Issue(stranger, Caller.Institution(Mine), TimeSpan.FromHours(1)); // not our issuer's signature

        var none = await Assert.ThrowsAsync<RpcException>(() => new ClaimsClient(_platform.ClaimsHost.RawChannel()).SettleAsync(request).ResponseAsync);
        var wrongIssuer = await Assert.ThrowsAsync<RpcException>(() => new ClaimsClient(_platform.ClaimsHost.RawChannel())
            .SettleAsync(request, new Metadata { { "authorization", "Bearer " + forged } }).ResponseAsync);
        var garbage = await Assert.ThrowsAsync<RpcException>(() => new ClaimsClient(_platform.ClaimsHost.RawChannel())
            .SettleAsync(request, new Metadata { { "authorization", "Bearer not.a.credential" } }).ResponseAsync);

        Assert.All(new[] { none, wrongIssuer, garbage }, e => Assert.Equal(StatusCode.Unauthenticated, e.StatusCode));
        Assert.Contains("no credential", none.Status.Detail);
        Assert.Equal(0L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM settlement"));
        Assert.Equal(0L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task An_institution_acts_only_as_itself_and_never_reads_another_institutions_records()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var mine = ClaimsAs(Caller.Institution(Mine));
        var theirs = ClaimsAs(Caller.Institution(Theirs));

        // The credential names the institution: a request left blank is filled from it, one naming another is refused.
        var blank = PrenatalCheck(person, ("250102001", "12.00"));
        blank.InstitutionCode = "";
        var settled = await mine.SettleAsync(blank);
        var posing = PrenatalCheck(person, ("250102001", "12.00"));
        posing.InstitutionCode = Theirs;
        var posed = await Assert.ThrowsAsync<RpcException>(() => mine.SettleAsync(posing).ResponseAsync);

        // Another institution asks for the settlement: by naming its owner, or by its own code and the id.
        var attempts = new List<RpcException>
        {
            await Assert.ThrowsAsync<RpcException>(() => theirs.GetSettlementAsync(new GetSettlementRequest { InstitutionCode = Mine, SettlementId = settled.SettlementId }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => theirs.GetSettlementAsync(new GetSettlementRequest { SettlementId = settled.SettlementId }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => theirs.ListSettlementsAsync(new ListSettlementsRequest { InstitutionCode = Mine }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => theirs.ReverseAsync(new ReverseRequest { SettlementId = settled.SettlementId, Reason = "退费" }).ResponseAsync),
        };
        var listedByOther = await theirs.ListSettlementsAsync(new ListSettlementsRequest());

        // The registration Claims opened belongs to the hospital that settled: another hospital cannot read it by id.
        var registration = (await new PrenatalClient(_platform.PrenatalHost.Channel(TestCredentials.Administrator))
            .ListRegistrationsAsync(new ListRegistrationsRequest { IdNumber = person })).Registrations.Single();
        var prenatalTheirs = new PrenatalClient(_platform.PrenatalHost.Channel(Caller.Institution(Theirs)));
        attempts.Add(await Assert.ThrowsAsync<RpcException>(() =>
            prenatalTheirs.GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = registration.RegistrationId }).ResponseAsync));
        var ownRead = await new PrenatalClient(_platform.PrenatalHost.Channel(Caller.Institution(Mine)))
            .GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = registration.RegistrationId });

        Assert.Equal(Mine, settled.InstitutionCode);
        Assert.Equal(StatusCode.PermissionDenied, posed.StatusCode);
        Assert.Contains("institution_code", posed.Status.Detail);
        // Naming another institution is refused outright; asking by id is answered as for a record that does not exist.
        Assert.All(attempts, e => Assert.Contains(e.StatusCode, new[] { StatusCode.PermissionDenied, StatusCode.NotFound }));
        Assert.All(attempts, e => Assert.DoesNotContain(Mine, e.Status.Detail));
        Assert.Empty(listedByOther.Settlements);
        Assert.Equal(registration.RegistrationId, ownRead.RegistrationId);
        Assert.Equal(SettlementState.Settled, (await mine.GetSettlementAsync(new GetSettlementRequest { SettlementId = settled.SettlementId })).State);
        Assert.Equal(1L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM settlement"));
        Console.WriteLine($"[access] cross-institution reads tried: {attempts.Count}, refused: {attempts.Count}, unauthorised reads: 0");
    }

    [Fact]
    public async Task Each_method_checks_the_role_and_an_operator_cannot_act_as_someone_else()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var hospitalReadingTheRegister = await Assert.ThrowsAsync<RpcException>(() =>
            new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Institution(Mine)))
                .GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = person }).ResponseAsync);
        var clerkLoadingPolicy = await Assert.ThrowsAsync<RpcException>(() =>
            new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Operator("clerk-1", Role.GrassrootsClerk, "330302-wuma")))
                .LoadRegionPolicyAsync(new LoadRegionPolicyRequest()).ResponseAsync);
        var operatorSettling = await Assert.ThrowsAsync<RpcException>(() =>
            ClaimsAs(TestCredentials.Administrator).SettleAsync(PrenatalCheck(person, ("250102001", "12.00"))).ResponseAsync);

        var clerk = ClaimsAs(Caller.Operator("clerk-1", Role.GrassrootsClerk, "330302-wuma"));
        var filing = new FileCaseRequest
        {
            RequestId = "F-" + Guid.NewGuid().ToString("N")[..8], IdNumber = person, Region = "330300", Item = CaseItem.PrenatalCheck,
            ServiceDate = Date(Today.AddDays(-3)), ClaimedAmount = "120.00", Documents = { "发票", "病历" }, ApplicantPhone = "13812345678",
        };
        var filed = await clerk.FileCaseAsync(filing); // the operator comes from the credential
        var posing = filing.Clone();
        posing.RequestId = "F-" + Guid.NewGuid().ToString("N")[..8];
        posing.Operator = new CaseOperator { OperatorId = "auditor-9", Role = Contracts.Claims.V1.OperatorRole.FundAuditor, Site = "fund-centre" };
        var posed = await Assert.ThrowsAsync<RpcException>(() => clerk.FileCaseAsync(posing).ResponseAsync);
        var clerkReviewing = await Assert.ThrowsAsync<RpcException>(() =>
            clerk.ReviewCaseAsync(new ReviewCaseRequest { CaseId = filed.CaseId, Approve = true, ApprovedAmount = "120.00" }).ResponseAsync);

        Assert.All(new[] { hospitalReadingTheRegister, clerkLoadingPolicy, operatorSettling, posed }, e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Equal(StatusCode.PermissionDenied, clerkReviewing.StatusCode); // the case's own rule: the fund centre reviews
        Assert.Equal("clerk-1", filed.Transitions.Single().OperatorId);
        Assert.Equal(1L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM reimbursement_case"));
    }

    [Fact]
    public async Task Reads_of_a_person_and_changes_are_audited_and_the_audit_log_cannot_be_edited()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var auditor = Caller.Operator("auditor-7", Role.FundAuditor, "fund-centre");
        await new EnrollmentClient(_platform.EnrollmentHost.Channel(auditor)).GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = person });
        var request = PrenatalCheck(person, ("250102001", "12.00"));
        var settled = await ClaimsAs(Caller.Institution(Mine)).SettleAsync(request);
        await ClaimsAs(Caller.Institution(Mine)).SettleAsync(request); // a retry: the same settlement

        var read = await Rows("enrollmentdb", "SELECT caller_kind, caller_id, role, action, kind FROM audit_log WHERE subject = $1 AND kind = 'Read' ORDER BY entry_id", person);
        var changes = await Rows("claimsdb", "SELECT caller_kind, caller_id, action, request_id FROM audit_log WHERE subject = $1 AND kind = 'Change' ORDER BY entry_id", person);
        var consumed = await Eventually.Get(async () =>
            await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM audit_log WHERE action LIKE 'consume %' AND caller_kind = 'Service'") is > 0 and var n ? n.ToString() : null,
            TimeSpan.FromSeconds(20), "the consumed PrenatalRegistered audited");

        // The auditor's look, and Claims' eligibility check for the settlement (a service reading on its own behalf).
        Assert.Equal(["Operator|auditor-7|FundAuditor|GetInsuredPerson|Read", "Service|claims||CheckEligibility|Read"], read);
        Assert.Equal([$"Institution|{Mine}|Settle|{request.RequestId}", $"Institution|{Mine}|Settle|{request.RequestId}"], changes);
        Assert.True(long.Parse(consumed) >= 1);
        Assert.NotEmpty(settled.SettlementId);

        await using var data = NpgsqlDataSource.Create(_platform.Isolation.ConnectionStrings["claimsdb"]);
        foreach (var sql in new[] { "UPDATE audit_log SET caller_id = 'someone-else'", "DELETE FROM audit_log", "TRUNCATE audit_log" })
        {
            await using var command = data.CreateCommand(sql);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText);
        }
        Assert.Equal(2L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM audit_log WHERE subject = $1", person));
    }

    [Fact]
    public void Every_method_of_every_service_has_an_access_rule()
    {
        var tables = new[]
        {
            (Contracts.Enrollment.V1.Enrollment.Descriptor, Enrollment.Grpc.EnrollmentAccess.Rules),
            (Contracts.Prenatal.V1.Prenatal.Descriptor, Prenatal.Grpc.PrenatalAccess.Rules),
            (Contracts.Claims.V1.Claims.Descriptor, Claims.Grpc.ClaimsAccess.Rules),
            (Contracts.Allowance.V1.Allowance.Descriptor, Allowance.Grpc.AllowanceAccess.Rules),
            (Contracts.Notifications.V1.Notifications.Descriptor, Notifications.Grpc.NotificationsAccess.Rules),
        };
        foreach (var (service, rules) in tables)
        {
            Assert.Equal(service.FullName, rules.ServiceName);
            Assert.Equal(service.Methods.Select(m => m.Name).Order(), rules.Keys.Order());
            Assert.DoesNotContain(rules.Values, r => r.Who == ServiceDefaults.Security.Callers.None && r.Services.Count == 0);
        }
    }

    private async Task<List<string>> Rows(string database, string sql, string subject)
    {
        await using var data = NpgsqlDataSource.Create(_platform.Isolation.ConnectionStrings[database]);
        await using var command = data.CreateCommand(sql);
        command.Parameters.AddWithValue(subject);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : reader.GetValue(i).ToString())));
        return rows;
    }

    private static System.Security.Cryptography.ECDsa ECDsa() => PlatformCredentials.NewIssuerKey();
}
