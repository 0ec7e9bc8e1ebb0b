using Grpc.Core.Interceptors;
using MaternityCloud.BuildingBlocks.Domain;
using System.Globalization;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;
using MaternityCloud.Contracts.Claims.V1;
using Npgsql;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;

namespace MaternityCloud.Bench;

/// <summary>
/// Hospital Settle calls per second through the real Claims process (gRPC, PostgreSQL, Redis, the outbox, and its calls to
/// Enrollment and Prenatal), at a fixed concurrency. Baselines in the same run and at the same concurrency: a bare gRPC
/// call answered from memory by the same Claims process (grpc.health.v1 Check, the echo), and a bare single-row
/// PostgreSQL insert-and-commit.
/// </summary>
public static class SettlementBench
{
    public static async Task<int> RunAsync(int persons, int calls, int concurrency, bool telemetry)
    {
        await using var platform = await RunningPlatform.StartAsync(telemetry: telemetry);
        {
            await using var enrollmentData = NpgsqlDataSource.Create(platform.Database("enrollmentdb") + ";Maximum Pool Size=64");
            await using var claimsData = NpgsqlDataSource.Create(platform.Database("claimsdb") + ";Maximum Pool Size=64");
            await Population.AddInsuredAsync(enrollmentData, 0, persons);
            var sample = await EligibilityBench.SampleAsync(enrollmentData, Math.Min(persons, calls + 1_000));
            var warmUp = sample.Take(1_000).ToList();
            var measured = sample.Skip(1_000).ToList();
            Console.Error.WriteLine($"[bench] {persons:N0} insured persons loaded; {measured.Count:N0} measured calls per path");

            var url = platform.Endpoint("claims", "grpc");
            var channels = Enumerable.Range(0, 4).Select(_ => GrpcChannel.ForAddress(url)).ToArray();
            // The hospital's credential, from the issuer key this platform made in its state folder.
            var hospital = platform.Issue(Caller.Institution("H33030200001"));
            var clients = channels.Select(c => new ClaimsClient(c.Intercept(m => { m.Add("authorization", "Bearer " + hospital); return m; }))).ToArray();
            var health = channels.Select(c => new Health.HealthClient(c)).ToArray();
            var counter = 0;
            ClaimsClient Next() => clients[Interlocked.Increment(ref counter) % clients.Length];
            var day = DateOnly.FromDateTime(DateTime.Now).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

            // Warm-up: JIT, pools, prepared statements and Enrollment's answers in Redis; the persons' first prenatal check
            // registers their pregnancy, so the measured prenatal checks take the quota-lock path of an open pregnancy.
            await LoadRun.RunAsync("warm-up", [.. warmUp, .. measured], concurrency, id => Next().SettleAsync(PrenatalCheck(id, day)).ResponseAsync);
            await LoadRun.RunAsync("warm-up", warmUp, concurrency, id => Next().SettleAsync(Childbirth(id, day)).ResponseAsync);

            var prenatalChecks = await LoadRun.RunAsync("Settle prenatal check (open pregnancy)", measured, concurrency,
                id => Next().SettleAsync(PrenatalCheck(id, day)).ResponseAsync);
            var childbirths = await LoadRun.RunAsync("Settle childbirth", measured, concurrency,
                id => Next().SettleAsync(Childbirth(id, day)).ResponseAsync);
            var retries = new List<SettleRequest>();
            foreach (var id in measured) retries.Add(PrenatalCheck(id, day));
            foreach (var r in retries.Take(concurrency)) await Next().SettleAsync(r);
            var retried = await LoadRun.RunAsync("Settle retry (same request id)", retries.Take(concurrency).SelectMany(r => Enumerable.Repeat(r, measured.Count / concurrency)).ToList(),
                concurrency, r => Next().SettleAsync(r).ResponseAsync);
            var echo = await LoadRun.RunAsync("bare gRPC echo (health Check)", measured, concurrency, _ =>
                health[Interlocked.Increment(ref counter) % health.Length].CheckAsync(new HealthCheckRequest()).ResponseAsync);
            var bareCommit = await BenchState.BareCommitAsync(claimsData);
            var commit = await LoadRun.RunAsync("bare PostgreSQL insert + commit", measured, concurrency, _ => bareCommit());

            Console.WriteLine(Table([prenatalChecks, childbirths, retried], echo, commit, persons, concurrency, telemetry));
            foreach (var channel in channels) channel.Dispose();
            return 0;
        }
    }

    internal static SettleRequest PrenatalCheck(string id, string day) => Request(id, day, "51", "7",
        ("311202001", "35.00"), ("250102001", "12.00"), ("220301001", "120.00"));

    internal static SettleRequest Childbirth(string id, string day) => Request(id, day, "52", "1",
        ("331505001", "1800.00"), ("110900001", "60.00"));

    private static SettleRequest Request(string id, string day, string medicalType, string category, params (string Code, string Amount)[] lines)
    {
        var request = new SettleRequest
        {
            InstitutionCode = "H33030200001", RequestId = Guid.NewGuid().ToString("N"), IdNumber = id, Region = "330300",
            CertificateType = VisitCertificateType.IdCard, CertificateNumber = id, MedicalType = medicalType, MaternityCategory = category, GestationalWeeks = 20,
            FetusCount = 1, ServiceDate = day,
        };
        request.Lines.AddRange(lines.Select(l => new FeeLine { ItemCode = l.Code, Quantity = "1", UnitPrice = l.Amount, Amount = l.Amount }));
        request.TotalAmount = lines.Sum(l => decimal.Parse(l.Amount, CultureInfo.InvariantCulture)).ToString("0.00", CultureInfo.InvariantCulture);
        return request;
    }

    private static string Table(IReadOnlyList<LoadResult> paths, LoadResult echo, LoadResult commit, int persons, int concurrency, bool telemetry)
    {
        var s = new StringBuilder();
        s.AppendLine(FormattableString.Invariant(
            $"Settlement, {concurrency} concurrent callers, {Environment.ProcessorCount} cores, {persons:N0} insured persons, telemetry {(telemetry ? "on" : "off")}; every process on this machine"));
        s.AppendLine();
        s.AppendLine("| path | calls/s | p50 ms | p99 ms | vs bare gRPC echo | vs bare PostgreSQL commit |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in paths.Append(echo).Append(commit))
            s.AppendLine(FormattableString.Invariant(
                $"| {r.Name} | {r.PerSecond:0} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.PerSecond / echo.PerSecond:0.00} | {r.PerSecond / commit.PerSecond:0.00} |"));
        return s.ToString();
    }
}
