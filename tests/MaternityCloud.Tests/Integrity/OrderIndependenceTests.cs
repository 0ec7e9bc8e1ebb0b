using MassTransit;
using MaternityCloud.Contracts.Allowance.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Tests.Infrastructure;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;
using Channel = MaternityCloud.Contracts.Allowance.V1.Channel;

namespace MaternityCloud.Tests.Integrity;

/// <summary>
/// Events are published concurrently and redelivered: every consumer must reach the same end state whatever order its
/// events arrive in. Each pair is fed in both orders and at once, on the real servers, and the end states compared.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class OrderIndependenceTests(TestServers servers) : IAsyncLifetime
{
    private ClaimsPlatform _platform = null!;
    private IBusControl _bus = null!;

    public async Task InitializeAsync()
    {
        _platform = await StartAsync(servers, "order", withAllowance: true);
        _bus = await TestBus.StartAsync(_platform.Isolation.ConnectionStrings["messaging"]);
    }

    public async Task DisposeAsync()
    {
        await _bus.StopAsync();
        await _platform.DisposeAsync();
    }

    private enum Order { FirstThenSecond, SecondThenFirst, Together }

    private static readonly Order[] Orders = [Order.FirstThenSecond, Order.SecondThenFirst, Order.Together];

    /// <summary>Feeds two messages in the order asked, waiting for the first to be consumed when they go one after the other.</summary>
    private async Task FeedAsync(Order order, Func<Task> first, Func<Task> second, Func<Task> firstConsumed, Func<Task> secondConsumed)
    {
        switch (order)
        {
            case Order.FirstThenSecond: await first(); await firstConsumed(); await second(); break;
            case Order.SecondThenFirst: await second(); await secondConsumed(); await first(); break;
            default: await Task.WhenAll(first(), second()); break;
        }
        await firstConsumed();
        await secondConsumed();
    }

    private Task Consumed(string database, string eventType, string subject) => Eventually.True(async () =>
        await _platform.Isolation.CountAsync(database,
            "SELECT count(*) FROM audit_log WHERE action = $1 AND subject = $2", $"consume MaternityCloud.Contracts.Events.{eventType}", subject) > 0,
        TimeSpan.FromSeconds(30), $"{eventType} consumed in {database}");


    private static SettlementCompleted Childbirth(string person, int fetuses = 1, bool dystocia = false) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), "H33030200001", person, TestData.Visit("52", "3", fetuses: fetuses, dystocia: dystocia),
            Today.AddDays(-1), 3000m, 0m, "330300", "330300@2024-01-01#1", false, null);

    private static SettlementReversed Reversal(SettlementCompleted s) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, s.SettlementId, s.InstitutionCode, s.IdNumber, s.Visit, s.ServiceDate, s.FundAmount, "wrong patient", null);

    private async Task<IReadOnlyList<AllowanceCase>> CasesAsync(string person) =>
        (await _platform.Allowance.ListCasesAsync(new ListCasesRequest { PageSize = 500 })).Cases.Where(c => c.IdNumber == person).ToList();

    [Fact]
    public async Task A_settlement_and_its_reversal_in_any_order_leave_one_cancelled_case_and_nothing_payable()
    {
        var ends = new List<string>();
        foreach (var order in Orders)
        {
            var person = await _platform.EligibleMotherAsync();
            var settled = Childbirth(person);
            var reversed = Reversal(settled);
            await FeedAsync(order, () => _bus.Publish(settled), () => _bus.Publish(reversed),
                () => Consumed("allowancedb", nameof(SettlementCompleted), settled.EventId.ToString()),
                () => Consumed("allowancedb", nameof(SettlementReversed), reversed.EventId.ToString()));

            var cases = await CasesAsync(person);
            ends.Add(string.Join(",", cases.Select(c => $"{c.State}/{c.SettlementId.Length == 0}")));
            Assert.DoesNotContain(cases, c => c.State is CaseState.Approved or CaseState.InPayment or CaseState.Paid);
        }
        Assert.Equal(["Cancelled/True", "Cancelled/True", "Cancelled/True"], ends);
    }

    [Fact]
    public async Task A_settlement_corrected_by_reversal_and_a_new_settlement_ends_approved_on_the_new_one_in_any_order()
    {
        var ends = new List<string>();
        foreach (var sequence in new[] { "first reversal second", "second first reversal", "reversal first second" })
        {
            var person = await _platform.EligibleMotherAsync();
            var first = Childbirth(person, fetuses: 2);
            var reversal = Reversal(first);
            var second = Childbirth(person); // the hospital settles the birth again, with one baby
            var events = new Dictionary<string, (IIntegrationEvent Event, string Type)>
            {
                ["first"] = (first, nameof(SettlementCompleted)), ["reversal"] = (reversal, nameof(SettlementReversed)), ["second"] = (second, nameof(SettlementCompleted)),
            };
            foreach (var step in sequence.Split(' '))
            {
                var (e, type) = events[step];
                await _bus.Publish(e, e.GetType());
                await Consumed("allowancedb", type, e.EventId.ToString());
            }
            var one = Assert.Single(await CasesAsync(person));
            ends.Add($"{one.State} {one.FetusCount} {one.SettlementId == second.SettlementId.ToString()}");
        }
        Assert.Equal(["Approved 1 True", "Approved 1 True", "Approved 1 True"], ends);
    }

    [Fact]
    public async Task An_application_and_the_settlement_in_any_order_end_approved_on_the_settlement_s_facts_with_the_difference_recorded()
    {
        var ends = new List<string>();
        foreach (var order in Orders)
        {
            var person = await _platform.EligibleMotherAsync();
            var settled = Childbirth(person);
            var application = new ApplyForAllowanceRequest
            {
                Channel = Channel.HospitalJointForm, RequestId = "JF-" + Guid.NewGuid().ToString("N")[..8], IdNumber = person,
                EventKind = EventKind.Childbirth, EventDate = Date(settled.ServiceDate), FetusCount = 2, Dystocia = true, GestationalWeeks = 39,
            };
            var hospital = new Contracts.Allowance.V1.Allowance.AllowanceClient(_platform.AllowanceHost!.Channel(BuildingBlocks.Domain.Caller.Institution("H33030200001")));
            await FeedAsync(order, () => _bus.Publish(settled), () => hospital.ApplyForAllowanceAsync(application).ResponseAsync,
                () => Consumed("allowancedb", nameof(SettlementCompleted), settled.EventId.ToString()), () => Task.CompletedTask);

            var one = Assert.Single(await CasesAsync(person));
            var read = await _platform.Allowance.GetCaseAsync(new GetCaseRequest { CaseId = one.CaseId });
            ends.Add($"{read.State} {read.FetusCount} {read.Dystocia} {read.Computation.Days} {read.FactsVerifiedBy} {read.Reports.Count}");
            Assert.Contains(read.Findings, f => f.Code == "application-differs");
        }
        Assert.Equal(["Approved 1 False 98 settlement 2", "Approved 1 False 98 settlement 2", "Approved 1 False 98 settlement 2"], ends);
    }

    [Fact]
    public async Task A_reversal_while_in_payment_and_the_bank_s_answer_in_either_order_open_the_same_recovery()
    {
        var ends = new List<string>();
        foreach (var order in new[] { Order.FirstThenSecond, Order.SecondThenFirst })
        {
            var person = await _platform.EligibleMotherAsync();
            var settled = Childbirth(person);
            await _bus.Publish(settled);
            await Eventually.True(async () => (await CasesAsync(person)).Any(c => c.State == CaseState.Approved), TimeSpan.FromSeconds(30), "the case approved");
            var batch = await _platform.Allowance.RunPaymentBatchAsync(new RunPaymentBatchRequest());
            var caseId = (await CasesAsync(person)).Single().CaseId;
            var line = batch.Lines.Single(l => l.CaseIds.Contains(caseId));
            var reversed = Reversal(settled);
            await FeedAsync(order,
                () => _platform.Allowance.RecordPaymentResultsAsync(new RecordPaymentResultsRequest
                {
                    BatchId = batch.BatchId, Results = { new PaymentResult { LineNo = line.LineNo, Paid = true, BankReference = "BR-" + order } },
                }).ResponseAsync,
                () => _bus.Publish(reversed),
                () => Task.CompletedTask,
                () => Consumed("allowancedb", nameof(SettlementReversed), reversed.EventId.ToString()));
            ends.Add(Assert.Single(await CasesAsync(person)).State.ToString());
        }
        Assert.Equal(["RecoveryOpen", "RecoveryOpen"], ends);
    }

    [Fact]
    public async Task A_childbirth_and_its_reversal_in_any_order_leave_the_registration_open_and_its_quota_too()
    {
        var ends = new List<string>();
        foreach (var order in Orders)
        {
            var person = await _platform.EligibleEmployeeAsync();
            var clerk = new Contracts.Prenatal.V1.Prenatal.PrenatalClient(_platform.PrenatalHost.Channel(
                BuildingBlocks.Domain.Caller.Operator("station-07", BuildingBlocks.Domain.OperatorRole.ServiceStationClerk, "wz")));
            var registration = await clerk.RegisterPregnancyAsync(new Contracts.Prenatal.V1.RegisterPregnancyRequest
            {
                IdNumber = person, PregnancyDate = Date(Today.AddDays(-250)), ExpectedDeliveryDate = Date(Today.AddDays(20)), FetusCount = 1,
                HospitalCode = "H33030200001", Channel = Contracts.Prenatal.V1.Channel.HospitalServiceStation,
            });
            var settled = Childbirth(person);
            var reversed = Reversal(settled);
            await FeedAsync(order, () => _bus.Publish(settled), () => _bus.Publish(reversed),
                () => Consumed("prenataldb", nameof(SettlementCompleted), settled.EventId.ToString()),
                () => Consumed("prenataldb", nameof(SettlementReversed), reversed.EventId.ToString()));
            // Whatever Prenatal told Claims (ended, then reopened) has reached the quota ledger.
            await Eventually.True(async () => await _platform.Isolation.CountAsync("prenataldb", "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL") == 0,
                TimeSpan.FromSeconds(20), "Prenatal's events published");
            await Task.Delay(1000);

            var now = await clerk.GetRegistrationAsync(new Contracts.Prenatal.V1.GetRegistrationRequest { RegistrationId = registration.RegistrationId });
            var open = (bool)(await _platform.Isolation.SqlAsync("claimsdb", "SELECT open FROM quota_registration WHERE registration_id = $1",
                Guid.Parse(registration.RegistrationId)))!;
            ends.Add($"{now.State} {open}");
        }
        Assert.Equal(["Open True", "Open True", "Open True"], ends);
    }

    [Fact]
    public async Task A_registration_and_its_cancellation_in_any_order_leave_its_quota_closed_and_the_pregnancy_s_quota_kept()
    {
        var ends = new List<string>();
        foreach (var order in Orders)
        {
            var registration = Guid.NewGuid();
            var pregnancy = Guid.NewGuid();
            var person = TestData.IdNumber();
            var registered = new PrenatalRegistered(Guid.NewGuid(), DateTimeOffset.UtcNow, registration, pregnancy, person, "330300", Today.AddDays(-60),
                Today.AddDays(220), 1, "H33030200001", "HospitalServiceStation", false, 3000m);
            var cancelled = new PrenatalRegistrationChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, registration, pregnancy, person, "cancelled", "twice",
                "Cancelled", Today.AddDays(-60), Today.AddDays(220), 1, "H33030200001", 2);
            await FeedAsync(order, () => _bus.Publish(registered), () => _bus.Publish(cancelled),
                () => Consumed("claimsdb", nameof(PrenatalRegistered), registered.EventId.ToString()),
                () => Consumed("claimsdb", nameof(PrenatalRegistrationChanged), cancelled.EventId.ToString()));
            var open = (bool)(await _platform.Isolation.SqlAsync("claimsdb", "SELECT open FROM quota_registration WHERE registration_id = $1", registration))!;
            var cap = (decimal)(await _platform.Isolation.SqlAsync("claimsdb", "SELECT cap FROM pregnancy_quota WHERE pregnancy_id = $1", pregnancy))!;
            ends.Add($"{open} {cap}");
        }
        Assert.Equal(["False 3000.00", "False 3000.00", "False 3000.00"], ends);
    }
}
