using System.Globalization;
using Google.Rpc;
using Grpc.Core;
using MassTransit;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Prenatal.Grpc;
using MaternityCloud.Tests.Infrastructure;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>Prenatal registration on the real servers: one open per person, audited changes, automatic registration, the end.</summary>
[Collection(ServersCollection.Name)]
public sealed class PrenatalRegistrationTests(TestServers servers) : IAsyncLifetime
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);
    private ServiceHost<PrenatalGrpcService> _host = null!;
    private PrenatalClient _prenatal = null!;
    private Isolation _isolation = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("prenatal", "prenataldb");
        _host = new ServiceHost<PrenatalGrpcService>(_isolation);
        _prenatal = new PrenatalClient(_host.Channel());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static RegisterPregnancyRequest Request(string? idNumber = null) => new()
    {
        IdNumber = idNumber ?? TestData.IdNumber(), Region = "330300",
        PregnancyDate = Date(Today.AddDays(-70)), ExpectedDeliveryDate = Date(Today.AddDays(210)),
        FetusCount = 1, HospitalCode = "H33030200001", Channel = Channel.HospitalServiceStation, Operator = "station-clerk-07",
    };

    private Task<long> OutboxAsync(string eventName) =>
        _isolation.CountAsync("prenataldb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE $1", "%." + eventName);

    [Fact]
    public async Task A_second_registration_for_the_same_person_is_refused_naming_the_first_and_a_retry_returns_it()
    {
        var request = Request();
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
        var registered = await _prenatal.RegisterPregnancyAsync(Request());

        await _prenatal.ChangeHospitalAsync(new ChangeHospitalRequest
        {
            RegistrationId = registered.RegistrationId, HospitalCode = "H33030200009", Reason = "迁居, 转至新院产检", Operator = "station-clerk-09",
        });
        var corrected = await _prenatal.CorrectRegistrationAsync(new CorrectRegistrationRequest
        {
            RegistrationId = registered.RegistrationId, FetusCount = 2, Reason = "B超确认双胎", Operator = "station-clerk-09",
        });
        var cancelled = await _prenatal.CancelRegistrationAsync(new CancelRegistrationRequest
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
            RegistrationId = registered.RegistrationId, HospitalCode = "H33030200001", Reason = "x", Operator = "y",
        }).ResponseAsync);
        Assert.Equal("registration-open", Assert.Single(late.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);
        var noReason = await Assert.ThrowsAsync<RpcException>(() => _prenatal.CancelRegistrationAsync(new CancelRegistrationRequest
        {
            RegistrationId = registered.RegistrationId, Operator = "y",
        }).ResponseAsync);
        Assert.Equal("reason", Assert.Single(noReason.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);

        // Cancelled, the person may register the pregnancy again.
        Assert.Equal(RegistrationState.Open, (await _prenatal.RegisterPregnancyAsync(Request(registered.IdNumber))).State);
    }

    [Fact]
    public async Task Concurrent_prenatal_check_settlements_create_one_automatic_registration()
    {
        var idNumber = TestData.IdNumber();
        var ensure = new EnsureRegistrationRequest
        {
            IdNumber = idNumber, Region = "420281", ServiceDate = Date(Today), GestationalWeeks = 12, HospitalCode = "H42028100001",
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
        var registered = await _prenatal.RegisterPregnancyAsync(Request());
        var bus = await TestBus.StartAsync(_isolation.ConnectionStrings["messaging"]);
        try
        {
            var prenatalCheck = new SettlementCompleted(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), "H33030200001", registered.IdNumber,
                "51", "7", null, 1, 20, false, false, Today, 180.00m, 0m);
            var childbirth = prenatalCheck with
            {
                EventId = Guid.NewGuid(), SettlementId = Guid.NewGuid(), MedicalType = "52", MaternityCategory = "3", GestationalWeeks = 39,
                FundAmount = 4210.50m,
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
        var request = Request();
        request.IdNumber = "350102199405171234";
        request.PregnancyDate = Date(Today.AddDays(3));
        request.FetusCount = 0;
        request.Region = "123456";
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
