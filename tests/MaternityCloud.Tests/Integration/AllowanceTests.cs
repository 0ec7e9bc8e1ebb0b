using System.Globalization;
using Google.Rpc;
using Grpc.Core;
using MassTransit;
using MaternityCloud.Allowance.Grpc;
using MaternityCloud.Contracts.Allowance.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using AllowanceClient = MaternityCloud.Contracts.Allowance.V1.Allowance.AllowanceClient;
using DepartmentExchangeClient = MaternityCloud.Contracts.Enrollment.V1.DepartmentExchange.DepartmentExchangeClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The allowance on the real servers with Enrollment answering its calls. Births are on Sunday 20 September 2026 and
/// Allowance's clock stands on Monday 28 September, so approvals are due across the National Day holiday.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AllowanceTests(TestServers servers) : IAsyncLifetime
{
    private static readonly DateOnly Born = new(2026, 9, 20);
    private Isolation _isolation = null!;
    private ServiceHost<EnrollmentGrpcService> _enrollmentHost = null!;
    private ServiceHost<AllowanceGrpcService> _allowanceHost = null!;
    private EnrollmentClient _enrollment = null!;
    private AllowanceClient _allowance = null!;
    private IBusControl _bus = null!;
    private readonly FixedClock _clock = new(new DateTimeOffset(2026, 9, 28, 2, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("allowance", "enrollmentdb", "allowancedb");
        _enrollmentHost = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _allowanceHost = new ServiceHost<AllowanceGrpcService>(_isolation,
            new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost", ["Allowance:DailyBatchAt"] = "" },
            services =>
            {
                ServiceHost<AllowanceGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(_enrollmentHost)(services);
                services.AddSingleton<TimeProvider>(_clock);
            });
        _enrollment = new EnrollmentClient(_enrollmentHost.Channel());
        _allowance = new AllowanceClient(_allowanceHost.Channel());
        _bus = await TestBus.StartAsync(_isolation.ConnectionStrings["messaging"]);
    }

    public async Task DisposeAsync()
    {
        await _bus.StopAsync();
        await _allowanceHost.DisposeAsync();
        await _enrollmentHost.DisposeAsync();
    }

    private async Task<string> EmployerAsync(string? wage2025 = "8650.00")
    {
        var employer = await _enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(), Name = "温州市鹿城区示例服饰有限公司",
            CorporateAccount = new BankAccount { BankName = "中国农业银行温州分行", AccountNumber = "192001010400" + Random.Shared.Next(10000, 99999), AccountName = "温州市鹿城区示例服饰有限公司" },
        });
        if (wage2025 is not null)
            await _enrollment.SetEmployerWageAsync(new SetEmployerWageRequest { CreditCode = employer.CreditCode, Year = 2025, AverageMonthlyWage = wage2025 });
        return employer.CreditCode;
    }

    private async Task<string> InsuredAsync(string employer, InsuredKind kind = InsuredKind.Employee, string region = "330300")
    {
        var person = await _enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = region, IdNumber = TestData.IdNumber(), Name = "陈丽娟", Kind = kind, EmployerCreditCode = kind == InsuredKind.Employee ? employer : "",
            InsuredFrom = "2022-01-01",
        });
        await _enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person.IdNumber, 24, Born, employer: kind == InsuredKind.Employee ? employer : ""));
        return person.IdNumber;
    }

    private static SettlementCompleted Childbirth(string idNumber, string region = "330300", int fetuses = 1, bool dystocia = false) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), "H33030200001", idNumber, TestData.Visit("52", "3", fetuses: fetuses, dystocia: dystocia), Born,
            4200.00m, 0m, region, "330300@2024-01-01#1", false, null);

    private static SettlementReversed Reversal(SettlementCompleted settled, string reason) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, settled.SettlementId, settled.InstitutionCode, settled.IdNumber, settled.Visit, settled.ServiceDate,
            settled.FundAmount, reason, null);

    private async Task<AllowanceCase> CaseOfAsync(string idNumber, Func<AllowanceCase, bool>? until = null) =>
        await Eventually.Get(async () =>
        {
            var id = await _isolation.SqlAsync("allowancedb", "SELECT case_id FROM allowance_case WHERE id_number = $1", idNumber);
            if (id is not Guid caseId) return null;
            var c = await _allowance.GetCaseAsync(new GetCaseRequest { CaseId = caseId.ToString() });
            return until is null || until(c) ? c : null;
        }, TimeSpan.FromSeconds(30), $"the allowance case of {idNumber[..6]}");

    private Task<long> OutboxAsync(string eventName) =>
        _isolation.CountAsync("allowancedb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE $1", "%." + eventName);

    [Fact]
    public async Task A_childbirth_settlement_opens_an_approved_case_by_itself_computed_line_by_line_and_due_after_the_national_day()
    {
        var person = await InsuredAsync(await EmployerAsync());

        await _bus.Publish(Childbirth(person, fetuses: 2, dystocia: true));
        var opened = await CaseOfAsync(person);

        Assert.Equal(CaseState.Approved, opened.State);
        Assert.Equal(["childbirth", "dystocia", "1 extra baby"], opened.Computation.DayLines.Select(l => l.Item));
        Assert.Equal((128, "8650.00", "288.33", "36906.24"), (opened.Computation.Days, opened.Computation.EmployerAverageWage,
            opened.Computation.DailyAmount, opened.Computation.Amount));
        Assert.Equal(2025, opened.Computation.WageYear);
        Assert.Equal(("2026-09-28", "2026-10-16"), (opened.ApprovedOn, opened.DueDate)); // 10 working days; 1-7 October are holidays, 10 October is worked
        Assert.Equal(Channel.Settlement, Assert.Single(opened.Reports).Channel);
        Assert.Equal(1L, await OutboxAsync(nameof(AllowanceApproved)));
    }

    [Fact]
    public async Task Reports_of_one_birth_from_every_channel_at_once_make_exactly_one_case()
    {
        var person = await InsuredAsync(await EmployerAsync());
        var settled = Childbirth(person);
        ApplyForAllowanceRequest Application(Channel channel, string requestId) => new()
        {
            Channel = channel, RequestId = requestId, IdNumber = person, Region = "330300", EventKind = EventKind.Childbirth,
            EventDate = Born.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), FetusCount = 1, GestationalWeeks = 39, Applicant = "station-07",
        };

        await Task.WhenAll(
            _bus.Publish(settled), _bus.Publish(settled), _bus.Publish(settled with { EventId = Guid.NewGuid() }),
            _allowance.ApplyForAllowanceAsync(Application(Channel.HospitalJointForm, "JF-001")).ResponseAsync,
            _allowance.ApplyForAllowanceAsync(Application(Channel.HospitalJointForm, "JF-001")).ResponseAsync,
            _allowance.ApplyForAllowanceAsync(Application(Channel.GrassrootsPoint, "GP-0917")).ResponseAsync);
        var one = await CaseOfAsync(person, c => c.Reports.Count == 3);

        Assert.Equal(1L, await _isolation.CountAsync("allowancedb", "SELECT count(*) FROM allowance_case WHERE id_number = $1", person));
        Assert.Equal([Channel.Settlement, Channel.HospitalJointForm, Channel.GrassrootsPoint], one.Reports.Select(r => r.Channel).OrderBy(c => c));
        Assert.Equal(settled.SettlementId.ToString(), one.SettlementId);
        Assert.Equal(1L, await OutboxAsync(nameof(AllowanceApproved)));
    }

    [Fact]
    public async Task A_death_before_the_birth_refuses_the_case_with_the_reason_whichever_arrives_first_and_one_after_it_is_paid_as_usual()
    {
        var employer = await EmployerAsync();
        var publicSecurity = new DepartmentExchangeClient(_enrollmentHost.Channel(Departments.PublicSecurity));
        Task Died(string idNumber, DateOnly on) => publicSecurity.RecordDeathAsync(new DeathRecord
        {
            RecordId = "GA-" + Guid.NewGuid(), IdNumber = idNumber, DiedOn = on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }).ResponseAsync;

        // The settlement first, approved; the death before the birth arrives after and refuses it before payment.
        var settledFirst = await InsuredAsync(employer);
        await _bus.Publish(Childbirth(settledFirst));
        Assert.Equal(CaseState.Approved, (await CaseOfAsync(settledFirst)).State);
        await Died(settledFirst, Born.AddDays(-10));
        // The death first: the settlement arriving after opens a refused case.
        var diedFirst = await InsuredAsync(employer);
        await Died(diedFirst, Born.AddDays(-10));
        await _bus.Publish(Childbirth(diedFirst));

        foreach (var person in new[] { settledFirst, diedFirst })
        {
            var refused = await CaseOfAsync(person, c => c.State == CaseState.Refused);
            Assert.Contains("deceased", refused.Findings.Select(f => f.Code));
        }

        // A death after the birth changes nothing: the allowance is the employer's, for days before it.
        var diedAfter = await InsuredAsync(employer);
        await _bus.Publish(Childbirth(diedAfter));
        Assert.Equal(CaseState.Approved, (await CaseOfAsync(diedAfter)).State);
        await Died(diedAfter, Born.AddDays(3));
        await Eventually.True(async () => await _isolation.CountAsync("allowancedb",
            "SELECT count(*) FROM inbox_message WHERE message_type LIKE '%InsuredPersonDied%'") >= 3, TimeSpan.FromSeconds(30), "the three deaths handled");
        Assert.Equal(CaseState.Approved, (await CaseOfAsync(diedAfter)).State);
        Assert.Equal(2L, await OutboxAsync(nameof(AllowanceRefused)));
    }

    [Fact]
    public async Task A_due_date_through_a_year_with_no_calendar_is_flagged_provisional_and_counted_again_once_the_year_is_loaded()
    {
        // Approved on Monday 28 December 2026: ten working days run into 2027, whose calendar is not loaded.
        _clock.MoveTo(new DateTimeOffset(2026, 12, 28, 2, 0, 0, TimeSpan.Zero));
        var person = await InsuredAsync(await EmployerAsync());
        await _bus.Publish(Childbirth(person));
        var provisional = await CaseOfAsync(person);
        Assert.Equal(CaseState.Approved, provisional.State);
        Assert.Equal("2027-01-11", provisional.DueDate); // Monday to Friday, for now
        var flag = Assert.Single(provisional.Findings);
        Assert.Equal("calendar-missing", flag.Code);
        Assert.Contains("2027", flag.Message);
        Assert.Equal(1, (await _allowance.GetOperationsSummaryAsync(new OperationsSummaryRequest())).ProvisionalDueDates);

        // An administrator loads 2027 at Enrollment: every service takes it, and the due date is counted again.
        var admin = new EnrollmentClient(_enrollmentHost.Channel(TestCredentials.Administrator));
        var loaded = await admin.LoadWorkingDayCalendarAsync(new LoadWorkingDayCalendarRequest
        {
            Document = """{ "year": 2027, "holidays": ["2027-01-01"], "adjustedWorkingDays": [] }""",
        });
        Assert.True(loaded.InForce);
        var counted = await CaseOfAsync(person, c => c.DueDate == "2027-01-12");
        Assert.Empty(counted.Findings);
        Assert.Equal(0, (await _allowance.GetOperationsSummaryAsync(new OperationsSummaryRequest())).ProvisionalDueDates);
    }

    [Fact]
    public async Task An_excluded_kind_is_refused_with_every_reason_recorded()
    {
        var employer = await EmployerAsync();
        var flexible = await InsuredAsync(employer, InsuredKind.FlexibleWorker, region: "420281");

        await _bus.Publish(Childbirth(flexible, region: "420281")); // insured in Daye: no allowance for flexible workers
        var refused = await CaseOfAsync(flexible);

        Assert.Equal(CaseState.Refused, refused.State);
        Assert.Contains("excluded-kind", refused.Findings.Select(f => f.Code));
        Assert.StartsWith("420281@", refused.PolicyVersion);
        Assert.Equal(1L, await OutboxAsync(nameof(AllowanceRefused)));
        Assert.Equal(0L, await OutboxAsync(nameof(AllowanceApproved)));
    }

    [Fact]
    public async Task A_case_missing_the_employer_s_wage_waits_for_an_operator_who_approves_it_once_the_wage_is_recorded()
    {
        var employer = await EmployerAsync(wage2025: null);
        var person = await InsuredAsync(employer);

        await _bus.Publish(Childbirth(person));
        var waiting = await CaseOfAsync(person);
        var tooEarly = await Assert.ThrowsAsync<RpcException>(() => _allowance.ApproveCaseAsync(new CaseDecisionRequest { CaseId = waiting.CaseId, Operator = "auditor-02" }).ResponseAsync);
        await _enrollment.SetEmployerWageAsync(new SetEmployerWageRequest { CreditCode = employer, Year = 2025, AverageMonthlyWage = "7200.00" });
        var approved = await _allowance.ApproveCaseAsync(new CaseDecisionRequest { CaseId = waiting.CaseId, Operator = "auditor-02" });

        Assert.Equal(CaseState.PendingReview, waiting.State);
        Assert.Equal("employer-wage-missing", Assert.Single(waiting.Findings).Code);
        Assert.Contains("2025", waiting.Findings[0].Message);
        Assert.Equal(StatusCode.FailedPrecondition, tooEarly.StatusCode);
        Assert.Equal("employer-wage-missing", tooEarly.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations[0].Type);
        Assert.Equal((CaseState.Approved, "23520.00"), (approved.State, approved.Computation.Amount)); // 7200 / 30 = 240.00 × 98
    }

    [Fact]
    public async Task Payment_batches_pay_each_employer_once_return_failures_to_the_next_batch_and_reconcile_their_totals()
    {
        var first = await EmployerAsync("9000.00");
        var second = await EmployerAsync("6000.00");
        var persons = new[] { await InsuredAsync(first), await InsuredAsync(first), await InsuredAsync(second) };
        foreach (var person in persons) await _bus.Publish(Childbirth(person));
        foreach (var person in persons) await CaseOfAsync(person, c => c.State == CaseState.Approved);

        var batch = await _allowance.RunPaymentBatchAsync(new RunPaymentBatchRequest { Operator = "payer-01" });
        var firstLine = batch.Lines.Single(l => l.EmployerCreditCode == first);
        var secondLine = batch.Lines.Single(l => l.EmployerCreditCode == second);
        var answered = await _allowance.RecordPaymentResultsAsync(new RecordPaymentResultsRequest
        {
            BatchId = batch.BatchId,
            Results =
            {
                new PaymentResult { LineNo = firstLine.LineNo, Paid = true, BankReference = "ABC20260929-001" },
                new PaymentResult { LineNo = secondLine.LineNo, Paid = false, Reason = "账户已销户" },
            },
        });
        var again = await _allowance.RecordPaymentResultsAsync(new RecordPaymentResultsRequest
        {
            BatchId = batch.BatchId, Results = { new PaymentResult { LineNo = firstLine.LineNo, Paid = true, BankReference = "ABC20260929-001" } },
        });
        var retry = await _allowance.RunPaymentBatchAsync(new RunPaymentBatchRequest { Operator = "payer-01" });
        var nothing = await Assert.ThrowsAsync<RpcException>(() => _allowance.RunPaymentBatchAsync(new RunPaymentBatchRequest { Operator = "payer-01" }).ResponseAsync);

        // 9000 / 30 × 98 = 29400.00 twice; 6000 / 30 × 98 = 19600.00
        Assert.Equal((2, 3, "78400.00"), (batch.LineCount, batch.CaseCount, batch.TotalAmount));
        Assert.Equal(("58800.00", 2), (firstLine.Amount, firstLine.CaseIds.Count));
        Assert.Equal(3, batch.File.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1); // header comment, column names, two rows
        Assert.Contains(",58800.00,2,", batch.File);
        Assert.Equal(("reconciled", "58800.00", "19600.00"), (answered.State, answered.PaidAmount, answered.FailedAmount));
        Assert.Equal(answered.PaidAmount, again.PaidAmount); // the bank's answer repeated changes nothing
        Assert.Equal((1, "19600.00"), (retry.CaseCount, retry.TotalAmount));
        Assert.Equal(StatusCode.FailedPrecondition, nothing.StatusCode);
        Assert.Equal(CaseState.Paid, (await CaseOfAsync(persons[0])).State);
        var failed = await CaseOfAsync(persons[2]);
        Assert.Equal(CaseState.InPayment, failed.State); // in the retry batch now
        Assert.Contains(failed.Findings, f => f.Code == "payment-failed" && f.Message.Contains("账户已销户"));
        Assert.Equal(2L, await OutboxAsync(nameof(AllowancePaid)));
    }

    [Fact]
    public async Task The_days_scheduled_batch_is_made_once_however_many_replicas_keep_the_schedule()
    {
        var employer = await EmployerAsync("9000.00");
        var person = await InsuredAsync(employer);
        await _bus.Publish(Childbirth(person));
        await CaseOfAsync(person, c => c.State == CaseState.Approved);

        // Every replica's DailyPaymentRun wakes at the same hour: four at once, each in a scope of its own, on one database.
        var day = new DateOnly(2026, 9, 28);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var scope = _allowanceHost.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MaternityCloud.Allowance.Application.PaymentHandlers>().RunDailyBatchAsync(day, default);
        })));
        var made = Assert.Single(runs, b => b is not null)!;
        // A replica whose clock is late, after the day's batch was made and another case was approved since, makes none.
        var later = await InsuredAsync(employer);
        await _bus.Publish(Childbirth(later));
        await CaseOfAsync(later, c => c.State == CaseState.Approved);
        await using var scope = _allowanceHost.Services.CreateAsyncScope();
        var late = await scope.ServiceProvider.GetRequiredService<MaternityCloud.Allowance.Application.PaymentHandlers>().RunDailyBatchAsync(day, default);

        Assert.Contains(made.Lines, l => l.EmployerCreditCode == employer && l.Amount == 29400.00m); // 9000 / 30 × 98
        Assert.Equal(CaseState.InPayment, (await CaseOfAsync(person)).State);
        Assert.Null(late);
        Assert.Equal(CaseState.Approved, (await CaseOfAsync(later)).State); // waits for the next day's batch
    }

    [Fact]
    public async Task A_reversal_cancels_a_case_before_payment_and_opens_a_recovery_after_it()
    {
        var employer = await EmployerAsync();
        var early = Childbirth(await InsuredAsync(employer));
        var late = Childbirth(await InsuredAsync(employer));
        await _bus.Publish(early);
        await _bus.Publish(late);
        await CaseOfAsync(early.IdNumber, c => c.State == CaseState.Approved);
        await CaseOfAsync(late.IdNumber, c => c.State == CaseState.Approved);

        await _bus.Publish(Reversal(early, "重复结算"));
        var cancelled = await CaseOfAsync(early.IdNumber, c => c.State == CaseState.Cancelled);
        var batch = await _allowance.RunPaymentBatchAsync(new RunPaymentBatchRequest { Operator = "payer-01" });
        await _allowance.RecordPaymentResultsAsync(new RecordPaymentResultsRequest
        {
            BatchId = batch.BatchId, Results = { new PaymentResult { LineNo = 1, Paid = true, BankReference = "ABC-77" } },
        });
        await _bus.Publish(Reversal(late, "结算撤销"));
        var recovery = await CaseOfAsync(late.IdNumber, c => c.State == CaseState.RecoveryOpen);

        Assert.Equal(1, batch.CaseCount); // the cancelled case is never paid
        Assert.Contains(cancelled.Findings, f => f.Code == "settlement-reversed");
        Assert.Equal("28256.34", recovery.Computation.Amount); // 8650 / 30 = 288.33 × 98, to be recovered from the employer
        Assert.Equal(1L, await OutboxAsync(nameof(AllowanceRecoveryOpened)));
        Assert.Equal(1L, await OutboxAsync(nameof(AllowanceCancelled)));
    }

    [Fact]
    public async Task A_bad_application_names_each_field_and_stores_nothing()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => _allowance.ApplyForAllowanceAsync(new ApplyForAllowanceRequest
        {
            Channel = Channel.Settlement, RequestId = "", IdNumber = "330302199001011234", Region = "330300", EventKind = EventKind.Miscarriage,
            EventDate = "2026-10-01", GestationalWeeks = 0, Applicant = "x",
        }).ResponseAsync);

        var fields = refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(f => f.Field).ToHashSet();
        Assert.Superset(new HashSet<string> { "channel", "request_id", "id_number", "event_date", "gestational_weeks" }, fields);
        Assert.Equal(0L, await _isolation.CountAsync("allowancedb", "SELECT count(*) FROM allowance_case"));
    }
}
