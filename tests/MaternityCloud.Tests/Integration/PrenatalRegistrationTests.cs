using System.Globalization;
using Google.Rpc;
using Grpc.Core;
using MassTransit;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Prenatal.Grpc;
using MaternityCloud.Tests.Infrastructure;
using DeathRecord = MaternityCloud.Contracts.Enrollment.V1.DeathRecord;
using DepartmentExchangeClient = MaternityCloud.Contracts.Enrollment.V1.DepartmentExchange.DepartmentExchangeClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Prenatal registration on the real servers, with Enrollment answering the person's region and the hospital's standing:
/// one open per person, audited changes, automatic registration, the end. Registrations here are made by a hospital's
/// service-station clerk (an operator), as the counter does.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class PrenatalRegistrationTests(TestServers servers) : IAsyncLifetime
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);
    private ClaimsPlatform _platform = null!;
    private ServiceHost<PrenatalGrpcService> _host = null!;
    private PrenatalClient _prenatal = null!;
    private Isolation _isolation = null!;

    public async Task InitializeAsync()
    {
        _platform = await ClaimsPlatform.StartAsync(servers, "prenatal");
        _isolation = _platform.Isolation;
        _host = _platform.PrenatalHost;
        _prenatal = Clerk("station-clerk-07");
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private PrenatalClient Clerk(string id) => new(_host.Channel(Caller.Operator(id, OperatorRole.ServiceStationClerk, "wz-station")));

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A pregnancy of an insured person (registered in Enrollment first: Prenatal asks it for her region).</summary>
    private async Task<RegisterPregnancyRequest> RequestAsync(string? idNumber = null) => RequestFor(idNumber ?? await _platform.EligibleEmployeeAsync());

    private static RegisterPregnancyRequest RequestFor(string idNumber) => new()
    {
        IdNumber = idNumber, Region = "330300",
        PregnancyDate = Date(Today.AddDays(-70)), ExpectedDeliveryDate = Date(Today.AddDays(210)),
        FetusCount = 1, HospitalCode = "H33030200001", Channel = Channel.HospitalServiceStation, Operator = "station-clerk-07",
    };

    private Task<long> OutboxAsync(string eventName) =>
        _isolation.CountAsync("prenataldb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE $1", "%." + eventName);

    [Fact]
    public async Task A_second_registration_for_the_same_person_is_refused_naming_the_first_and_a_retry_returns_it()
    {
        var request = await RequestAsync();
        var first = await _prenatal.RegisterPregnancyAsync(request);
        var retry = await _prenatal.RegisterPregnancyAsync(request);

        var second = request.Clone();
        second.HospitalCode = "H33030200002";
        second.Channel = Channel.GrassrootsPoint;
        var error = await Assert.ThrowsAsync<RpcException>(() => _prenatal.RegisterPregnancyAsync(second).ResponseAsync);

        Assert.Equal(first.RegistrationId, retry.RegistrationId);
        Assert.Equal(RegistrationState.Open, first.State);
        Assert.Equal("3000.00", first.PrenatalQuota); // Wenzhou's cap per pregnancy
        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains(first.RegistrationId, error.Status.Detail);
        Assert.Equal(1L, await _isolation.CountAsync("prenataldb", "SELECT count(*) FROM prenatal_registration"));
        Assert.Equal(1L, await OutboxAsync(nameof(PrenatalRegistered)));
        Assert.Equal("registered", Assert.Single(first.Audit).Action);
    }

    [Fact]
    public async Task Changes_need_a_reason_are_audited_and_a_cancelled_registration_changes_no_more()
    {
        var registered = await _prenatal.RegisterPregnancyAsync(await RequestAsync());

        await Clerk("station-clerk-09").ChangeHospitalAsync(new ChangeHospitalRequest
        {
            RegistrationId = registered.RegistrationId, ToHospitalCode = "H33030200009", Reason = "迁居, 转至新院产检", Operator = "station-clerk-09",
        });
        var corrected = await Clerk("station-clerk-09").CorrectRegistrationAsync(new CorrectRegistrationRequest
        {
            RegistrationId = registered.RegistrationId, FetusCount = 2, Reason = "B超确认双胎", Operator = "station-clerk-09",
        });
        var cancelled = await Clerk("station-clerk-09").CancelRegistrationAsync(new CancelRegistrationRequest
        {
            RegistrationId = registered.RegistrationId, Reason = "申请人撤回", Operator = "station-clerk-09",
        });

        Assert.Equal("H33030200009", corrected.HospitalCode);
        Assert.Equal(2, corrected.FetusCount);
        Assert.Equal(RegistrationState.Cancelled, cancelled.State);
        Assert.Equal(
            [
                ("registered", "", "station-clerk-07"),
                ("hospital-changed", "迁居, 转至新院产检", "station-clerk-09"),
                ("corrected", "B超确认双胎", "station-clerk-09"),
                ("cancelled", "申请人撤回", "station-clerk-09"),
            ],
            cancelled.Audit.Select(a => (a.Action, a.Reason, a.Operator)).ToArray());
        Assert.Equal("hospital H33030200001 → H33030200009", cancelled.Audit[1].Detail);
        Assert.Equal("fetus count 1 → 2", cancelled.Audit[2].Detail);
        Assert.Equal(3L, await OutboxAsync(nameof(PrenatalRegistrationChanged)));

        var late = await Assert.ThrowsAsync<RpcException>(() => _prenatal.ChangeHospitalAsync(new ChangeHospitalRequest
        {
            RegistrationId = registered.RegistrationId, ToHospitalCode = "H33030200001", Reason = "x",
        }).ResponseAsync);
        Assert.Equal("registration-open", Assert.Single(late.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);
        var noReason = await Assert.ThrowsAsync<RpcException>(() => _prenatal.CancelRegistrationAsync(new CancelRegistrationRequest
        {
            RegistrationId = registered.RegistrationId,
        }).ResponseAsync);
        Assert.Equal("reason", Assert.Single(noReason.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);

        // Cancelled, the person may register the pregnancy again.
        var again = await _prenatal.RegisterPregnancyAsync(await RequestAsync(registered.IdNumber));
        Assert.Equal(RegistrationState.Open, again.State);
        Assert.Equal(registered.PregnancyId, again.PregnancyId); // the same pregnancy, registered again: one quota
    }

    [Fact]
    public async Task A_death_public_security_records_ends_the_open_registration_and_a_later_registration_is_refused_for_it()
    {
        var registered = await _prenatal.RegisterPregnancyAsync(await RequestAsync());
        var died = Today.AddDays(-3);
        await new DepartmentExchangeClient(_platform.EnrollmentHost.Channel(Departments.PublicSecurity)).RecordDeathAsync(new DeathRecord
        {
            RecordId = "GA-" + Guid.NewGuid(), IdNumber = registered.IdNumber, DiedOn = Date(died),
        });

        var ended = await Eventually.Get(async () =>
        {
            var r = await _prenatal.GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = registered.RegistrationId });
            return r.State == RegistrationState.Ended ? r : null;
        }, TimeSpan.FromSeconds(30), "the registration ended by the death");
        Assert.Equal(("death", Date(died)), (ended.EndOutcome, ended.EndedOn));
        Assert.Equal(("ended", "public security recorded the death"), (ended.Audit[^1].Action, ended.Audit[^1].Reason));
        Assert.Equal(1L, await OutboxAsync(nameof(PregnancyEnded)));

        var again = await Assert.ThrowsAsync<RpcException>(() => _prenatal.RegisterPregnancyAsync(RequestFor(registered.IdNumber)).ResponseAsync);
        Assert.Equal("deceased", Assert.Single(again.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);
    }

    [Fact]
    public async Task Concurrent_prenatal_check_settlements_create_one_automatic_registration()
    {
        var idNumber = TestData.IdNumber();
        var ensure = new EnsureRegistrationRequest
        {
            IdNumber = idNumber, Region = "420281", ServiceDate = Date(Today), GestationalWeeks = 12, FetusCount = 1, HospitalCode = "H42028100001",
        };

        var claims = new PrenatalClient(_host.Channel(Caller.Service("claims"))); // only Claims ensures registrations
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => claims.EnsureRegistrationAsync(ensure).ResponseAsync));

        Assert.Single(results, r => r.Created);
        var registration = Assert.Single(results.Select(r => r.Registration.RegistrationId).Distinct());
        var stored = await _prenatal.GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = registration });
        Assert.True(stored.Automatic);
        Assert.Equal("500.00", stored.PrenatalQuota); // Daye's cap per pregnancy
        Assert.Equal(Channel.Settlement, stored.Channel);
        Assert.Equal(Date(Today.AddDays(-84)), stored.PregnancyDate);
        Assert.Equal(Date(Today.AddDays(-84 + 280)), stored.ExpectedDeliveryDate);
        Assert.Equal(1L, await OutboxAsync(nameof(PrenatalRegistered)));

        // A registered person is found, not registered again.
        var again = await claims.EnsureRegistrationAsync(ensure);
        Assert.False(again.Created);
        Assert.Equal(registration, again.Registration.RegistrationId);
    }

    [Fact]
    public async Task A_childbirth_settlement_ends_the_registration_once_and_says_so()
    {
        var registered = await _prenatal.RegisterPregnancyAsync(await RequestAsync());
        var bus = await TestBus.StartAsync(_isolation.ConnectionStrings["messaging"]);
        try
        {
            var prenatalCheck = new SettlementCompleted(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), "H33030200001", registered.IdNumber,
                TestData.Visit("51", "7", weeks: 20), Today, 180.00m, 0m, "330300", "", false, null);
            var childbirth = prenatalCheck with
            {
                EventId = Guid.NewGuid(), SettlementId = Guid.NewGuid(), Visit = TestData.Visit("52", "3"), FundAmount = 4210.50m,
            };
            await bus.Publish(prenatalCheck);
            await bus.Publish(childbirth);
            await bus.Publish(childbirth); // redelivered

            var ended = await Eventually.Get(async () =>
            {
                var r = await _prenatal.GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = registered.RegistrationId });
                return r.State == RegistrationState.Ended ? r : null;
            }, TimeSpan.FromSeconds(30), "the registration to end");
            // The childbirth is remembered once; the prenatal check cannot end a pregnancy and is acknowledged without a row.
            Assert.Equal(1L, await _isolation.CountAsync("prenataldb", "SELECT count(*) FROM inbox_message"));

            Assert.Equal("caesarean", ended.EndOutcome);
            Assert.Equal(Date(Today), ended.EndedOn);
            Assert.Equal(["registered", "ended"], ended.Audit.Select(a => a.Action));
            Assert.Equal(1L, await OutboxAsync(nameof(PregnancyEnded)));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Fact]
    public async Task Bad_input_names_every_bad_field_and_stores_nothing()
    {
        var request = await RequestAsync(TestData.IdNumber());
        request.IdNumber = "350102199405171234";
        request.PregnancyDate = Date(Today.AddDays(3));
        request.FetusCount = 0;
        request.Region = "12345";
        request.HospitalCode = "33030200001";
        request.Channel = (Channel)99;

        var error = await Assert.ThrowsAsync<RpcException>(() => _prenatal.RegisterPregnancyAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["channel", "fetus_count", "hospital_code", "id_number", "pregnancy_date", "region"],
            error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).Order());
        Assert.Equal(0L, await _isolation.CountAsync("prenataldb", "SELECT count(*) FROM prenatal_registration"));
        Assert.Equal(0L, await _isolation.CountAsync("prenataldb", "SELECT count(*) FROM outbox_message"));
    }
}
