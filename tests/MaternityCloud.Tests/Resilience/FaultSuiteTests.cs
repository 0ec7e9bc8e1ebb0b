using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MaternityCloud.Hosting.Testing;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Tests.Infrastructure;
using Xunit.Abstractions;
using OperatorRole = MaternityCloud.BuildingBlocks.Domain.OperatorRole;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Resilience;

/// <summary>
/// The fault suite: the whole platform as the AppHost runs it (through Aspire.Hosting.Testing), every service as two
/// replicas (MATERNITYCLOUD_FAULT_REPLICAS) with quorum queues as a deployment declares them, a steady mix of
/// settlements (prenatal checks and childbirths) from several hospitals that balance over Claims' replicas and retry as
/// hospitals do. During it: one replica of each service killed with kill -9 in turn while the others serve, a RabbitMQ
/// restart, Redis stopped for a while, a PostgreSQL restart and every Enrollment replica stopped (filling Allowance's
/// error queue), each done with Aspire's own resource commands. Before the first fault it checks that the services'
/// calls to Enrollment spread over its replicas. After recovery the error queues are replayed through the operations
/// app and the reconciliation proves that nothing was lost or doubled. MATERNITYCLOUD_FAULT_MINUTES lengthens the run
/// into the soak (`make soak`), which also reports every process's memory and the open connections at start and end.
/// </summary>
[Collection(FaultSuiteCollection.Name)]
public sealed class FaultSuiteTests(ITestOutputHelper output)
{
    private static readonly string[] Hospitals = ["H33030200001", "H33030200002", "H33030200003", "H33030200004"];

    [Fact]
    public async Task Settlements_survive_a_killed_service_and_restarted_broker_cache_and_database_with_nothing_lost_or_doubled()
    {
        var minutes = double.TryParse(Environment.GetEnvironmentVariable("MATERNITYCLOUD_FAULT_MINUTES"), CultureInfo.InvariantCulture, out var m) ? m : 1.5;
        var drive = TimeSpan.FromMinutes(minutes);
        var perSecond = 4.0; // settlements per second over all hospitals: half prenatal checks, half childbirths
        var replicas = int.TryParse(Environment.GetEnvironmentVariable("MATERNITYCLOUD_FAULT_REPLICAS"), out var r) ? r : 2;
        var state = Path.Combine(Path.GetTempPath(), "maternitycloud-faults-" + Guid.NewGuid().ToString("N")[..8]);
        var platform = await RunningPlatform.StartAsync(state, ShortRetries, args: [$"--Platform:Replicas={replicas}"], timeout: TimeSpan.FromMinutes(6));
        try
        {
            Say($"platform healthy with {replicas} replica(s) of each service; driving {perSecond}/s for {drive.TotalMinutes} min with faults");
            string Grpc(string name) => platform.Endpoint(name, "grpc").ToString().TrimEnd('/');
            var issuer = platform.Issuer;
            var issue = (Caller c) => issuer.Issue(c, TimeSpan.FromHours(4));

            var mothers = await PrepareMothersAsync(Grpc("enrollment"), issue, (int)(perSecond * drive.TotalSeconds / 2) + 20);
            var ledger = new Ledger();
            var hospitals = Hospitals.Select(code => new ClaimsClient(ReplicaCalls.BalancedChannel(platform, "claims")
                .Intercept(meta => { meta.Add("authorization", "Bearer " + issue(Caller.Institution(code))); return meta; }))).ToArray();
            var start = await Resources.MeasureAsync(platform);

            using var stop = new CancellationTokenSource();
            var load = DriveAsync(hospitals, mothers, ledger, perSecond, stop.Token);
            var (faults, spread) = await InjectFaultsAsync(platform, drive, ledger, Say);
            stop.Cancel();
            await load;
            Say($"driving stopped: {ledger.Acknowledged.Count} settlements acknowledged; waiting for recovery");

            await platform.WaitHealthyAsync(TimeSpan.FromMinutes(3));
            var reconciliation = await Reconciliation.ForAsync(platform);
            await reconciliation.WaitUntilDrainedAsync(TimeSpan.FromMinutes(3));
            var replayed = await reconciliation.ReplayErrorQueuesAsync(issue(Caller.Operator("fault-suite", OperatorRole.Administrator, "fund-centre")));
            await reconciliation.WaitUntilDrainedAsync(TimeSpan.FromMinutes(4));
            // The fund pays every approved case, as the day's batch does, and the bank answers every line paid.
            var paid = await PayEverythingApprovedAsync(Grpc("allowance"), issue);
            // Ten services on two cores can still be working through the outages' backlog: the wait ends as soon as all is quiet.
            await reconciliation.WaitUntilDrainedAsync(TimeSpan.FromMinutes(4));
            var report = await reconciliation.ReconcileAsync(ledger.Acknowledged.Values.ToList(), ledger.Reversed.Keys.ToHashSet(), paid, replayed);
            var end = await Resources.MeasureAsync(platform);

            foreach (var line in spread.Lines) Say(line);
            Say("faults survived: " + string.Join("; ", faults.Select(f => f.Name)));
            foreach (var line in report.Lines) Say(line);
            foreach (var f in faults)
                Say($"latency after '{f.Name}': p95 before {f.BaselineP95:F0} ms; back within 2x of it {ledger.RecoverySeconds(f):F1} s after the fault ended");
            Say($"hospital calls retried: {ledger.Retries}, refused: {ledger.Refused}");
            foreach (var (reason, n) in ledger.Refusals) Say($"refused {n}x: {reason}");
            foreach (var line in Resources.Compare(start, end)) Say("at the end: " + line);
            // Right after the last outage pools and heaps are at their peak: the soak samples again once idle, past
            // Npgsql's 300 s idle-connection lifetime, to tell a leak from a pool that shrinks back.
            var idleFor = TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("MATERNITYCLOUD_IDLE_SECONDS"),
                CultureInfo.InvariantCulture, out var s) ? s : drive >= TimeSpan.FromMinutes(5) ? 330 : 0);
            if (idleFor > TimeSpan.Zero)
            {
                await Task.Delay(idleFor);
                foreach (var line in Resources.Compare(start, await Resources.MeasureAsync(platform))) Say($"after {idleFor.TotalSeconds:F0} s idle: " + line);
            }

            Assert.True(report.Consistent, string.Join("\n", report.Lines));
            Assert.True(spread.Balanced, string.Join("\n", spread.Lines));
            Assert.True(ledger.Refused == 0, "refused: " + string.Join("; ", ledger.Refusals.Select(r => $"{r.Value}x {r.Key}")));
            Assert.True(ledger.Acknowledged.Count >= perSecond * drive.TotalSeconds * 0.5, $"only {ledger.Acknowledged.Count} settlements acknowledged");
        }
        finally
        {
            await platform.DisposeAsync();
            try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private void Say(string line)
    {
        output.WriteLine("[faults] " + line);
        Console.WriteLine("[faults] " + line);
    }

    /// <summary>
    /// The platform `make run` starts, on free ports, with short consumer retries so outages reach the error queues, and
    /// quorum queues as deploy/kubernetes declares them. Telemetry is collected but not exported: /metrics tells the
    /// replicas' calls apart.
    /// </summary>
    private static void ShortRetries(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var service in builder.Resources.OfType<ProjectResource>().Where(p => p.Name is not ("localgateway" or "operations")))
        {
            builder.CreateResourceBuilder(service)
                .WithEnvironment("Messaging__QuorumQueues", "true")
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", "") // no dashboard to export to: /metrics only
                .WithEnvironment("Messaging__RetryLimit", "2")
                .WithEnvironment("Messaging__RetryMinInterval", "00:00:00.200")
                .WithEnvironment("Messaging__RetryMaxInterval", "00:00:00.500");
        }
    }

    /// <summary>Eligible employees with phones, of employers whose wage is known: each childbirth's allowance can be approved at once.</summary>
    private static async Task<ConcurrentQueue<string>> PrepareMothersAsync(string enrollmentUrl, Func<Caller, string> issue, int count)
    {
        var admin = issue(Caller.Operator("fault-suite", OperatorRole.Administrator, "fund-centre"));
        var enrollment = new EnrollmentClient(GrpcChannel.ForAddress(enrollmentUrl).Intercept(meta => { meta.Add("authorization", "Bearer " + admin); return meta; }));
        var today = ClaimsPlatform.Today;
        var employers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var employer = await enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
            {
                CreditCode = TestData.CreditCode(), Name = $"温州市示例企业{i}有限公司",
                CorporateAccount = new BankAccount { BankName = "中国农业银行温州分行", AccountNumber = "1920010104001234" + i, AccountName = $"温州市示例企业{i}有限公司" },
            });
            await enrollment.SetEmployerWageAsync(new SetEmployerWageRequest { CreditCode = employer.CreditCode, Year = today.Year - 1, AverageMonthlyWage = "7200.00" });
            employers.Add(employer.CreditCode);
        }
        var mothers = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            InsuredPerson? person = null;
            while (person is null) // test ID numbers repeat after a thousand per birth date: take another on a collision
            {
                try
                {
                    person = await enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
                    {
                        Region = "330300", IdNumber = TestData.IdNumber(new DateOnly(1990, 1, 1).AddDays(i / 500)), Name = "陈丽娟", Kind = InsuredKind.Employee,
                        EmployerCreditCode = employers[i % employers.Count],
                        InsuredFrom = ClaimsPlatform.Date(today.AddYears(-3)), MobilePhone = "139" + (57700000 + i).ToString(CultureInfo.InvariantCulture),
                    }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.AlreadyExists or StatusCode.DeadlineExceeded or StatusCode.Unavailable) { }
            }
            // A call that never answers (seen once: a client stream stuck before it reached the service) is asked again: the
            // import is idempotent, so a second one changes nothing if the first did arrive.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person.IdNumber, 24, today, employer: employers[i % employers.Count]),
                        deadline: DateTime.UtcNow.AddSeconds(30));
                    break;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Unavailable && attempt < 5) { }
            }
            mothers.Enqueue(person.IdNumber);
        });
        return mothers;
    }

    /// <summary>
    /// Each hospital settles at its share of the rate: a prenatal check, then the childbirth of the same mother. A call
    /// that fails for a reason a retry can cure is retried with the same request id until it is acknowledged, as hospital
    /// systems do; the acknowledgement goes into the ledger the reconciliation checks.
    /// </summary>
    private static async Task DriveAsync(ClaimsClient[] hospitals, ConcurrentQueue<string> mothers, Ledger ledger, double perSecond, CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(hospitals.Length * 2 / perSecond); // two settlements per mother
        var inFlight = new List<Task>();
        var tick = Stopwatch.StartNew();
        var n = 0;
        while (!stop.IsCancellationRequested && mothers.TryDequeue(out var mother))
        {
            var hospital = n % hospitals.Length;
            inFlight.Add(MotherAsync(hospitals[hospital], Hospitals[hospital], mother, ledger));
            n++;
            var due = TimeSpan.FromTicks(interval.Ticks * n / hospitals.Length);
            if (due > tick.Elapsed) try { await Task.Delay(due - tick.Elapsed, stop); } catch (OperationCanceledException) { }
        }
        await Task.WhenAll(inFlight);
    }

    private static async Task MotherAsync(ClaimsClient hospital, string code, string mother, Ledger ledger)
    {
        var check = ClaimsPlatform.Request(mother, "51", "7", "", ("250102001", "12.00"), ("311202001", "60.00"));
        check.InstitutionCode = code;
        await SettleUntilAcknowledgedAsync(hospital, check, ledger);
        var birth = ClaimsPlatform.Request(mother, "52", "1", "", ("331505001", "1800.00"), ("110900001", "60.00"));
        birth.InstitutionCode = code;
        birth.GestationalWeeks = 39;
        var settled = await SettleUntilAcknowledgedAsync(hospital, birth, ledger);
        // One childbirth in five is reversed at once (entered for the wrong patient): its reversal and its settlement race
        // through the relay, and no allowance may be paid for it.
        if (settled is not null && Math.Abs(mother.GetHashCode() % 5) == 0) await ReverseUntilAcknowledgedAsync(hospital, settled, ledger);
    }

    private static async Task ReverseUntilAcknowledgedAsync(ClaimsClient hospital, Settlement settled, Ledger ledger)
    {
        var giveUp = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                await hospital.ReverseAsync(new ReverseRequest { SettlementId = settled.SettlementId, Reason = "entered for the wrong patient" },
                    deadline: DateTime.UtcNow.AddSeconds(10));
                ledger.Reversed[settled.SettlementId] = true;
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal
                                             or StatusCode.Unknown or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.Cancelled
                                         && DateTime.UtcNow < giveUp)
            {
                ledger.Retried();
                await Task.Delay(500);
            }
        }
    }

    /// <summary>Runs a payment batch of every approved case and records the bank's answer "paid" for every line; the total paid.</summary>
    private static async Task<decimal> PayEverythingApprovedAsync(string allowanceUrl, Func<Caller, string> issue)
    {
        var payer = issue(Caller.Operator("fault-suite-payer", OperatorRole.FundAuditor, "fund-centre"));
        var allowance = new Contracts.Allowance.V1.Allowance.AllowanceClient(GrpcChannel.ForAddress(allowanceUrl)
            .Intercept(meta => { meta.Add("authorization", "Bearer " + payer); return meta; }));
        Contracts.Allowance.V1.PaymentBatch batch;
        try { batch = await allowance.RunPaymentBatchAsync(new Contracts.Allowance.V1.RunPaymentBatchRequest()); }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition) { return 0m; } // nothing approved to pay
        var results = new Contracts.Allowance.V1.RecordPaymentResultsRequest { BatchId = batch.BatchId };
        results.Results.AddRange(batch.Lines.Select(l => new Contracts.Allowance.V1.PaymentResult { LineNo = l.LineNo, Paid = true, BankReference = $"FS-{l.LineNo}" }));
        var answered = await allowance.RecordPaymentResultsAsync(results);
        return decimal.Parse(answered.PaidAmount, CultureInfo.InvariantCulture);
    }

    private static async Task<Settlement?> SettleUntilAcknowledgedAsync(ClaimsClient hospital, SettleRequest request, Ledger ledger)
    {
        var giveUp = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var settlement = await hospital.SettleAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
                ledger.Acknowledge(request, settlement, Stopwatch.GetElapsedTime(started));
                return settlement;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal
                                             or StatusCode.Unknown or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.Cancelled
                                         && DateTime.UtcNow < giveUp)
            {
                ledger.Retried();
                await Task.Delay(500);
            }
            catch (RpcException e)
            {
                ledger.Refuse($"{request.MedicalType} {e.StatusCode}: {e.Status.Detail}");
                return null;
            }
        }
    }

    private static async Task<(List<Fault> Faults, Spread Spread)> InjectFaultsAsync(RunningPlatform platform, TimeSpan drive, Ledger ledger, Action<string> say)
    {
        var faults = new List<Fault>();
        var clock = Stopwatch.StartNew();
        async Task At(double share) { var due = drive * share; if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed); }
        async Task Run(string name, Func<Task> fault)
        {
            var baseline = ledger.P95Since(DateTime.UtcNow.AddSeconds(-10));
            var began = DateTime.UtcNow;
            await fault();
            faults.Add(new Fault(name, began, DateTime.UtcNow, baseline));
        }
        Task Kill(string replica)
        {
            ProcessTree.Kill(platform.ProcessId(replica)!.Value); // the AppHost starts it again after its backoff
            return Task.CompletedTask;
        }
        // A replica of each service, in turn: the last one where there are several, so the first (the tests' address) stays.
        string Victim(string service) => platform.Replicas(service)[^1];

        // Before any fault: the services' calls to Enrollment (eligibility) spread over its replicas; that is the
        // platform's own balancing, and it is asserted. The hospitals' settlements over Claims' replicas are the test
        // client's gRPC round_robin, printed only: one CI run saw it send every call to one replica (0 and 31).
        await At(0.1);
        var spread = await Spread.MeasureAsync(platform, ("enrollment", "CheckEligibility"));
        var hospitals = await Spread.MeasureAsync(platform, ("claims", "Settle"));
        spread = spread with { Lines = [.. spread.Lines, .. hospitals.Lines.Select(l => l.Replace("  <-- UNBALANCED", "  (the hospitals' client)"))] };

        await Run($"kill -9 {Victim("claims")} while it settles", () => Kill(Victim("claims")));
        await At(0.17);
        await Run($"kill -9 {Victim("allowance")} while it consumes", () => Kill(Victim("allowance")));
        await At(0.24);
        await Run($"kill -9 {Victim("enrollment")} while it answers eligibility", () => Kill(Victim("enrollment")));
        await At(0.31);
        await Run($"kill -9 {Victim("prenatal")}", () => Kill(Victim("prenatal")));
        await At(0.38);
        await Run($"kill -9 {Victim("notifications")} while it dispatches", () => Kill(Victim("notifications")));
        await At(0.45);
        await Run("restart RabbitMQ", () => platform.RestartResourceAsync("messaging"));
        await At(0.57);
        await Run("Redis stopped for 10 s", async () =>
        {
            await platform.StopResourceAsync("redis");
            await Task.Delay(TimeSpan.FromSeconds(10));
            await platform.StartResourceAsync("redis");
        });
        await At(0.7);
        await Run("restart PostgreSQL", async () =>
        {
            // As an operator does before a planned restart: a checkpoint while it serves, so its shutdown has little to write.
            var clock = Stopwatch.StartNew();
            await CheckpointAsync(platform);
            var checkpoint = clock.Elapsed;
            await platform.RestartResourceAsync("postgres");
            say($"PostgreSQL restart: checkpoint {checkpoint.TotalSeconds:F1} s, then stopped and started in {(clock.Elapsed - checkpoint).TotalSeconds:F1} s");
        });
        await At(0.85);
        // Allowance asks Enrollment for a childbirth's facts; with every Enrollment replica gone for longer than its calls'
        // resilience (30 s) and its consumer's retries, the events land in its _error queue, where only an operator's replay helps.
        await Run("every Enrollment replica stopped for 40 s", async () =>
        {
            await Task.WhenAll(platform.Replicas("enrollment").Select(platform.StopResourceAsync));
            await Task.Delay(TimeSpan.FromSeconds(40));
            await Task.WhenAll(platform.Replicas("enrollment").Select(platform.StartResourceAsync));
        });
        await At(1.0);
        return (faults, spread);
    }

    private static async Task CheckpointAsync(RunningPlatform platform)
    {
        var admin = new Npgsql.NpgsqlConnectionStringBuilder(await platform.ConnectionStringAsync("postgres")) { Pooling = false, CommandTimeout = 300 };
        await using var connection = new Npgsql.NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var checkpoint = new Npgsql.NpgsqlCommand("CHECKPOINT", connection);
        await checkpoint.ExecuteNonQueryAsync();
    }

    /// <summary>How a method's calls were shared among a service's replicas; balanced when each took at least 40% of an even share.</summary>
    public sealed record Spread(bool Balanced, IReadOnlyList<string> Lines)
    {
        public static async Task<Spread> MeasureAsync(RunningPlatform platform, params (string Service, string Method)[] methods)
        {
            var balanced = true;
            var lines = new List<string>();
            foreach (var (service, method) in methods)
            {
                var counts = await ReplicaCalls.CountAsync(platform, service, method);
                var total = counts.Values.Sum();
                var fair = counts.Count < 2 || (total >= 10 && counts.Values.All(n => n >= 0.4 * total / counts.Count));
                balanced &= fair;
                lines.Add($"calls spread: {service}.{method} " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")) +
                    (fair ? "" : "  <-- UNBALANCED"));
            }
            return new Spread(balanced, lines);
        }
    }

    public sealed record Fault(string Name, DateTime Began, DateTime Ended, double BaselineP95);

    /// <summary>What the hospitals were told: every acknowledged settlement, and each call's latency for the recovery figures.</summary>
    public sealed class Ledger
    {
        private readonly ConcurrentQueue<(DateTime At, double Ms)> _latencies = new();
        private int _retries, _refused;

        public ConcurrentDictionary<(string Institution, string RequestId), Acknowledgement> Acknowledged { get; } = new();
        /// <summary>Settlements the hospitals reversed and were told so.</summary>
        public ConcurrentDictionary<string, bool> Reversed { get; } = new();
        public int Retries => _retries;
        public int Refused => _refused;

        public void Acknowledge(SettleRequest request, Settlement settlement, TimeSpan latency)
        {
            Acknowledged[(request.InstitutionCode, request.RequestId)] =
                new Acknowledgement(request.InstitutionCode, request.RequestId, settlement.SettlementId, request.IdNumber, request.MedicalType);
            _latencies.Enqueue((DateTime.UtcNow, latency.TotalMilliseconds));
        }

        public void Retried() => Interlocked.Increment(ref _retries);
        public ConcurrentDictionary<string, int> Refusals { get; } = new();

        public void Refuse(string reason)
        {
            Interlocked.Increment(ref _refused);
            Refusals.AddOrUpdate(reason, 1, (_, n) => n + 1);
        }

        public double P95Since(DateTime from)
        {
            var window = _latencies.Where(l => l.At >= from).Select(l => l.Ms).Order().ToList();
            return window.Count == 0 ? 0 : window[(int)Math.Min(window.Count - 1, Math.Ceiling(window.Count * 0.95) - 1)];
        }

        /// <summary>Seconds from the fault's end until the p95 of a 5-second window is back within twice the baseline.</summary>
        public double RecoverySeconds(Fault fault)
        {
            var limit = Math.Max(fault.BaselineP95 * 2, 20);
            for (var t = fault.Ended; t < fault.Ended.AddMinutes(3); t = t.AddSeconds(1))
            {
                var window = _latencies.Where(l => l.At >= t && l.At < t.AddSeconds(5)).Select(l => l.Ms).Order().ToList();
                if (window.Count >= 3 && window[(int)Math.Ceiling(window.Count * 0.95) - 1] <= limit) return (t - fault.Ended).TotalSeconds;
            }
            return double.NaN;
        }
    }

    public sealed record Acknowledgement(string Institution, string RequestId, string SettlementId, string IdNumber, string MedicalType);
}
