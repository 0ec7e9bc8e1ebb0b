using Google.Rpc;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Allowance.V1;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Tests.Infrastructure;
using Npgsql;
using CaseState = MaternityCloud.Contracts.Allowance.V1.CaseState;
using OperatorRole = MaternityCloud.BuildingBlocks.Domain.OperatorRole;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;
using AllowanceClient = MaternityCloud.Contracts.Allowance.V1.Allowance.AllowanceClient;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

namespace MaternityCloud.Tests.Integrity;

/// <summary>
/// Issue 18's findings, one test each, on the real servers through the public gRPC API with the credentials a
/// hospital, a clerk or a service really holds. Each was written against the code the findings were made on and
/// failed there; the note lists how.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class IntegrityFindingsTests(TestServers servers) : IAsyncLifetime
{
    private const string HospitalA = "H33030200001";
    private const string HospitalB = "H33030200002";
    private const string PrenatalVisit = "311202001";
    private const string Caesarean = "331505003";
    private ClaimsPlatform _platform = null!;

    public async Task InitializeAsync() => _platform = await StartAsync(servers, "integrity", withAllowance: true);

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private ClaimsClient Claims => _platform.Claims;
    private EnrollmentClient Enrollment => _platform.Enrollment;

    private ClaimsClient ClaimsAs(string institution) => new(_platform.ClaimsHost.Channel(Caller.Institution(institution)));
    private PrenatalClient PrenatalAs(Caller caller) => new(_platform.PrenatalHost.Channel(caller));
    private AllowanceClient AllowanceAs(Caller caller) => new(_platform.AllowanceHost!.Channel(caller));


    private static SettleRequest Childbirth(string person, int fetuses = 1)
    {
        var request = Request(person, "52", "3", "", (Caesarean, "3000.00"));
        request.FetusCount = fetuses;
        request.GestationalWeeks = 39;
        return request;
    }

    private Task<long> CountAsync(string database, string sql, params object[] parameters) => _platform.Isolation.CountAsync(database, sql, parameters);

    /// <summary>Until Allowance has taken both the settlement and its reversal from its queues.</summary>
    private Task BothEventsConsumedAsync(int expected = 2) => Eventually.True(async () =>
        await CountAsync("allowancedb", "SELECT count(*) FROM inbox_message WHERE message_type LIKE '%Settlement%'") >= expected,
        TimeSpan.FromSeconds(30), "Allowance consuming the settlement and its reversal");

    private Task<long> PayableCasesAsync(string person) => CountAsync("allowancedb",
        "SELECT count(*) FROM allowance_case WHERE id_number = $1 AND state IN ('Approved', 'InPayment', 'Paid')", person);

    // 1. A reversal sent right after its settlement must never leave a payable allowance case behind.
    [Fact]
    public async Task F01_a_childbirth_reversed_at_once_never_leaves_a_payable_allowance_case()
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var person = await _platform.EligibleMotherAsync();
            var settled = await Claims.SettleAsync(Childbirth(person));
            await Claims.ReverseAsync(new ReverseRequest { InstitutionCode = HospitalA, SettlementId = settled.SettlementId, Reason = "wrong patient" });
            await BothEventsConsumedAsync(2 * attempt);
            Assert.Equal(0L, await PayableCasesAsync(person));
        }
    }

    // 2. A fetus count of 0 is not a childbirth that can be settled or paid.
    [Fact]
    public async Task F02_a_fetus_count_of_zero_is_refused_wherever_it_arrives()
    {
        var person = await _platform.EligibleMotherAsync();
        var settle = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(Childbirth(person, fetuses: 0)).ResponseAsync);
        var apply = await Assert.ThrowsAsync<RpcException>(() => AllowanceAs(Caller.Institution(HospitalA)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
        {
            Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "JF-0", IdNumber = person, EventKind = EventKind.Childbirth,
            EventDate = Date(Today.AddDays(-1)), FetusCount = 0, GestationalWeeks = 39, Applicant = HospitalA, Region = "330300",
        }).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (settle.StatusCode, apply.StatusCode));
        Assert.Contains("fetus_count", Fields(settle));
        Assert.Contains("fetus_count", Fields(apply));
        Assert.Equal(0L, await CountAsync("claimsdb", "SELECT count(*) FROM settlement"));
        Assert.Equal(0L, await CountAsync("allowancedb", "SELECT count(*) FROM allowance_case"));
    }

    // 3. The pooling region is the person's, from the insurance record, never the caller's choice.
    [Fact]
    public async Task F03_the_caller_cannot_choose_the_pooling_region_nor_make_another_province_local()
    {
        var person = await _platform.EligibleMotherAsync(); // insured in Wenzhou (330300)
        var national = Childbirth(person);
        national.Region = "000000";
        var beijing = Childbirth(person);
        beijing.Region = "000000";
        beijing.InstitutionCode = "H11010500001";

        var asNational = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(national).ResponseAsync);
        var fromBeijing = await Assert.ThrowsAsync<RpcException>(() => ClaimsAs("H11010500001").SettleAsync(beijing).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, asNational.StatusCode);
        Assert.Contains("region", Fields(asNational));
        Assert.NotEqual(StatusCode.OK, fromBeijing.StatusCode);
        Assert.Equal(0L, await CountAsync("claimsdb", "SELECT count(*) FROM settlement"));
    }

    // 4. An application's facts are claims: nothing is approved on them until a settlement or a birth record confirms them.
    [Fact]
    public async Task F04_an_application_with_invented_facts_waits_for_an_operator_and_is_not_approved()
    {
        var person = await _platform.EligibleMotherAsync();
        var applied = await AllowanceAs(Caller.Institution(HospitalA)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
        {
            Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "JF-9", IdNumber = person, EventKind = EventKind.Childbirth,
            EventDate = Date(Today.AddDays(-1)), FetusCount = 9, Dystocia = true, GestationalWeeks = 39, Applicant = HospitalA, Region = "330300",
        });

        Assert.Equal(CaseState.PendingReview, applied.State);
        Assert.Equal(0L, await PayableCasesAsync(person));
    }

    // 5. A reference is the applicant's own: another hospital reusing it gets its own case, never the first one's.
    [Fact]
    public async Task F05_another_hospitals_reference_never_finds_the_first_hospitals_case()
    {
        var first = await _platform.EligibleMotherAsync();
        var second = await _platform.EligibleMotherAsync();
        ApplyForAllowanceRequest Application(string person, string institution) => new()
        {
            Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "JF-2026-0001", IdNumber = person, EventKind = EventKind.Childbirth,
            EventDate = Date(Today.AddDays(-1)), FetusCount = 1, GestationalWeeks = 39, Applicant = institution, Region = "330300",
        };

        var a = await AllowanceAs(Caller.Institution(HospitalA)).ApplyForAllowanceAsync(Application(first, HospitalA));
        var b = await AllowanceAs(Caller.Institution(HospitalB)).ApplyForAllowanceAsync(Application(second, HospitalB));

        Assert.NotEqual(a.CaseId, b.CaseId);
        Assert.Equal(second, b.IdNumber);
        Assert.Equal(1L, await CountAsync("allowancedb", "SELECT count(*) FROM case_report WHERE case_id = $1", Guid.Parse(a.CaseId)));
    }

    // 6. Only who holds a registration may hand it on, and a refusal says nothing of another hospital's registration.
    [Fact]
    public async Task F06_another_hospital_can_neither_take_over_a_registration_nor_learn_of_it()
    {
        var person = await _platform.EligibleMotherAsync();
        var registered = await PrenatalAs(Caller.Institution(HospitalA)).RegisterPregnancyAsync(Pregnancy(person, HospitalA));

        var takeOver = await Assert.ThrowsAsync<RpcException>(() => PrenatalAs(Caller.Institution(HospitalB)).ChangeHospitalAsync(new ChangeHospitalRequest
        {
            RegistrationId = registered.RegistrationId, ToHospitalCode = HospitalB, Reason = "the patient moved", Operator = HospitalB,
        }).ResponseAsync);
        var second = await Assert.ThrowsAsync<RpcException>(() => PrenatalAs(Caller.Institution(HospitalB)).RegisterPregnancyAsync(new RegisterPregnancyRequest
        {
            IdNumber = person, Region = "330300", PregnancyDate = Date(Today.AddDays(-60)), ExpectedDeliveryDate = Date(Today.AddDays(220)),
            FetusCount = 1, HospitalCode = HospitalB, Channel = Contracts.Prenatal.V1.Channel.HospitalServiceStation, Operator = HospitalB,
        }).ResponseAsync);

        Assert.Contains(takeOver.StatusCode, new[] { StatusCode.PermissionDenied, StatusCode.NotFound });
        Assert.Equal(HospitalA, (string)(await _platform.Isolation.SqlAsync("prenataldb",
            "SELECT hospital_code FROM prenatal_registration WHERE registration_id = $1", Guid.Parse(registered.RegistrationId)))!);
        Assert.Equal(StatusCode.AlreadyExists, second.StatusCode);
        foreach (var secret in new[] { registered.RegistrationId, HospitalA, registered.PregnancyDate })
            Assert.DoesNotContain(secret, second.Status.Detail);
        foreach (var secret in new[] { HospitalA, registered.PregnancyDate }) // the id it asked for is its own words
            Assert.DoesNotContain(secret, takeOver.Status.Detail);
    }

    // 7. The prenatal cap is the pregnancy's: cancelling a registration and registering again does not refill it.
    [Fact]
    public async Task F07_cancelling_and_registering_again_does_not_reset_the_prenatal_cap()
    {
        var person = await _platform.EligibleMotherAsync();
        var clerk = PrenatalAs(Caller.Operator("wz-station-01", OperatorRole.ServiceStationClerk, "wz-station"));
        RegisterPregnancyRequest Registration() => new()
        {
            IdNumber = person, Region = "330300", PregnancyDate = Date(Today.AddDays(-70)), ExpectedDeliveryDate = Date(Today.AddDays(210)),
            FetusCount = 1, HospitalCode = HospitalA, Channel = Contracts.Prenatal.V1.Channel.HospitalServiceStation, Operator = "wz-station-01",
        };
        var first = await clerk.RegisterPregnancyAsync(Registration());
        await Eventually.True(async () => await CountAsync("claimsdb", "SELECT count(*) FROM pregnancy_quota") > 0, TimeSpan.FromSeconds(20), "the quota opened");
        var check = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "2000.00")));
        Assert.Equal("2000.00", check.FundAmount);

        await clerk.CancelRegistrationAsync(new CancelRegistrationRequest { RegistrationId = first.RegistrationId, Reason = "registered twice", Operator = "wz-station-01" });
        var again = await clerk.RegisterPregnancyAsync(Registration());
        await Eventually.True(async () => await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM inbox_message WHERE message_type LIKE '%Prenatal%'") >= 3,
            TimeSpan.FromSeconds(20), "Claims told of the registration, its cancellation and the new registration");
        var next = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "2000.00")));

        Assert.NotEqual(first.RegistrationId, again.RegistrationId);
        Assert.Equal("1000.00", next.FundAmount); // Wenzhou's 3,000 per pregnancy, 2,000 already used
    }

    // 8. A newborn's enrolment date is the platform's day, and only a birth the health commission recorded is enrolled.
    [Fact]
    public async Task F08_the_newborn_waiting_period_cannot_be_skipped()
    {
        var guardian = await _platform.EligibleMotherAsync();
        var born = Today.AddDays(-200);
        var backdated = await Enrollment.EnrollNewbornAsync(new EnrollNewbornRequest
        {
            BirthCertificateNumber = "Q" + Random.Shared.Next(100000000, 999999999), Name = "陈小宝", BirthDate = Date(born),
            GuardianIdNumber = guardian, Region = "330300", EnrolledOn = Date(born.AddDays(10)),
        }).ResponseAsync.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);

        // Either refused (no birth record, a stated date), or enrolled as of today: never covered from birth 200 days back.
        Assert.True(backdated is null || backdated.History[0].CoveredFrom != Date(born),
            $"covered from {backdated?.History[0].CoveredFrom}: enrolled as if 190 days ago");
        Assert.Equal(0L, await CountAsync("enrollmentdb", "SELECT count(*) FROM insured_person WHERE birth_certificate_number IS NOT NULL"));
    }

    // 9. A service's credential opens only the methods that service needs.
    [Fact]
    public async Task F09_the_notifications_credential_neither_reads_persons_nor_creates_registrations()
    {
        var person = await _platform.EligibleMotherAsync();
        var notifications = Caller.Service("notifications");
        var read = await Assert.ThrowsAsync<RpcException>(() =>
            new EnrollmentClient(_platform.EnrollmentHost.Channel(notifications)).GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = person }).ResponseAsync);
        var create = await Assert.ThrowsAsync<RpcException>(() => PrenatalAs(notifications).EnsureRegistrationAsync(new EnsureRegistrationRequest
        {
            IdNumber = person, Region = "330300", ServiceDate = Date(Today), GestationalWeeks = 10, FetusCount = 1, HospitalCode = HospitalB,
        }).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (read.StatusCode, create.StatusCode));
        Assert.Equal(0L, await CountAsync("prenataldb", "SELECT count(*) FROM prenatal_registration"));
    }

    // 10. Access is decided before anything changes, and a refusal never names another institution.
    [Fact]
    public async Task F10_a_refusal_for_another_institutions_record_names_no_institution()
    {
        var person = await _platform.EligibleMotherAsync();
        var registered = await PrenatalAs(Caller.Institution(HospitalA)).RegisterPregnancyAsync(Pregnancy(person, HospitalA));
        var settled = await ClaimsAs(HospitalA).SettleAsync(PrenatalCheck(person, (PrenatalVisit, "100.00")));

        var get = await Assert.ThrowsAsync<RpcException>(() => PrenatalAs(Caller.Institution(HospitalB))
            .GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = registered.RegistrationId }).ResponseAsync);
        var reverse = await Assert.ThrowsAsync<RpcException>(() => ClaimsAs(HospitalB)
            .ReverseAsync(new ReverseRequest { SettlementId = settled.SettlementId, Reason = "mine now" }).ResponseAsync);

        foreach (var refusal in new[] { get, reverse })
        {
            Assert.Equal(StatusCode.NotFound, refusal.StatusCode); // as for a record that does not exist
            Assert.DoesNotContain(HospitalA, refusal.Status.Detail);
        }
        Assert.Equal("settled", (string)(await _platform.Isolation.SqlAsync("claimsdb", "SELECT state FROM settlement WHERE settlement_id = $1",
            Guid.Parse(settled.SettlementId)))!);
    }

    // 12. Every read of a person's data is audited (PreSettle too), and the service's own database role cannot undo the log.
    [Fact]
    public async Task F12_pre_settlement_is_audited_and_the_service_role_cannot_alter_the_audit_log()
    {
        var person = await _platform.EligibleMotherAsync();
        await Claims.PreSettleAsync(PrenatalCheck(person, (PrenatalVisit, "100.00")));

        Assert.Equal(1L, await CountAsync("claimsdb", "SELECT count(*) FROM audit_log WHERE action = 'PreSettle' AND subject = $1", person));
        var dataSource = _platform.ClaimsHost.Services.GetService(typeof(NpgsqlDataSource)) as NpgsqlDataSource;
        await using var connection = await dataSource!.OpenConnectionAsync();
        foreach (var sql in new[] { "ALTER TABLE audit_log DISABLE TRIGGER ALL", "DELETE FROM audit_log", "UPDATE audit_log SET subject = 'x'", "DROP TABLE audit_log" })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            var refused = await Assert.ThrowsAnyAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains(refused.SqlState, new[] { "42501", "P0001" }); // insufficient privilege, or the append-only trigger
        }
        Assert.True(await CountAsync("claimsdb", "SELECT count(*) FROM audit_log") > 0);
    }

    // 13. A reversed settlement stays reversed: a retry of its request never answers "settled" again, whichever replica
    // of Claims takes the settlement, its reversal and the retry.
    [Fact]
    public async Task F13_a_retry_after_a_reversal_answers_reversed_every_time()
    {
        var person = await _platform.EligibleMotherAsync();
        await using var replica = new ServiceHost<Claims.Grpc.ClaimsGrpcService>(_platform.Isolation,
            new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost", ["services:prenatal:grpc:0"] = "http://localhost" },
            services =>
            {
                ServiceHost<Claims.Grpc.ClaimsGrpcService>.Calls<EnrollmentClient, Enrollment.Grpc.EnrollmentGrpcService>(_platform.EnrollmentHost)(services);
                ServiceHost<Claims.Grpc.ClaimsGrpcService>.Calls<PrenatalClient, Prenatal.Grpc.PrenatalGrpcService>(_platform.PrenatalHost)(services);
            });
        var other = new ClaimsClient(replica.Channel(Caller.Institution(HospitalA)));
        var mine = ClaimsAs(HospitalA);
        for (var i = 0; i < 30; i++)
        {
            var request = PrenatalCheck(person, (PrenatalVisit, "10.00"));
            var settled = await mine.SettleAsync(request);
            await other.ReverseAsync(new ReverseRequest { SettlementId = settled.SettlementId, Reason = "entered twice" });
            var retried = await mine.SettleAsync(request);
            Assert.Equal((settled.SettlementId, SettlementState.Reversed), (retried.SettlementId, retried.State));
        }
    }

    private static IEnumerable<string> Fields(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? [];
}
