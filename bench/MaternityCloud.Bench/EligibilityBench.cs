using Grpc.Core.Interceptors;
using MaternityCloud.BuildingBlocks.Domain;
using System.Globalization;
using System.Text;
using Grpc.Net.Client;
using MaternityCloud.Contracts.Enrollment.V1;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using Npgsql;
using StackExchange.Redis;

namespace MaternityCloud.Bench;

/// <summary>
/// Eligibility checks per second against the real Enrollment process (PostgreSQL, Redis, gRPC over HTTP/2), with a
/// small and a large insured population, cold (every answer computed from the database) and warm (from Redis).
/// Baselines in the same run and at the same concurrency: a bare gRPC call to the same service (ListRegionPolicies,
/// answered from memory), a bare PostgreSQL point read of one person, and a bare Redis HGET.
/// </summary>
public static class EligibilityBench
{
    public static async Task<int> RunAsync(int small, int large, int calls, int concurrency, string sharedBuffers)
    {
        await using var platform = await RunningPlatform.StartAsync(arguments: [$"--postgres:Settings:shared_buffers={sharedBuffers}"]);
        {

            var grpcUrl = platform.Endpoint("enrollment", "grpc");
            var channels = Enumerable.Range(0, 4).Select(_ => GrpcChannel.ForAddress(grpcUrl)).ToArray();
            var clerk = platform.Issue(Caller.Operator("bench", OperatorRole.Administrator, "fund-centre"));
            var clients = channels.Select(c => new EnrollmentClient(c.Intercept(m => { m.Add("authorization", "Bearer " + clerk); return m; }))).ToArray();
            await using var dataSource = NpgsqlDataSource.Create(platform.Database("enrollmentdb") + ";Maximum Pool Size=64");
            await using var cache = await ConnectionMultiplexer.ConnectAsync(platform.Redis + ",allowAdmin=true");

            var rows = new List<(string Dataset, LoadResult Result, string Baseline, LoadResult BaselineResult)>();
            var perDataset = new Dictionary<int, (LoadResult Cold, LoadResult Warm)>();
            // The small population is measured again after the large one: the first pass over a fresh process is slowed by
            // tiered JIT compilation, and only the second small pass is a fair comparison with the large one.
            foreach (var (persons, pass) in new[] { (small, "first pass, process warming up"), (large, ""), (small, "") })
            {
                await ResetAsync(dataSource, cache);
                var loading = System.Diagnostics.Stopwatch.StartNew();
                await Population.AddInsuredAsync(dataSource, 0, persons);
                Console.Error.WriteLine($"[bench] loaded {persons:N0} persons with 12 contribution months each in {loading.Elapsed.TotalSeconds:0.0} s");
                var drawn = await SampleAsync(dataSource, Math.Min(calls + 2_000, persons));
                var warmUp = drawn.Take(2_000).ToList();
                var sample = drawn.Skip(2_000).ToList();
                var today = DateTime.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                var counter = 0;
                Task Check(string id) => clients[Interlocked.Increment(ref counter) % clients.Length].CheckEligibilityAsync(new CheckEligibilityRequest
                {
                    IdNumber = id, Benefit = Benefit.Allowance, EventDate = today, Region = "330300",
                }).ResponseAsync;

                // Warm-up (JIT, connection pools, prepared statements) on persons outside the measured sample, twice each
                // so both the cold and the warm path are compiled before anything is timed.
                await LoadRun.RunAsync("warm-up", [.. warmUp, .. warmUp], concurrency, Check);
                var cold = await LoadRun.RunAsync("CheckEligibility cold", sample, concurrency, Check);
                var warm = await LoadRun.RunAsync("CheckEligibility warm", sample, concurrency, Check);
                var pointRead = await LoadRun.RunAsync("PostgreSQL point read", sample, concurrency, async id =>
                {
                    await using var command = dataSource.CreateCommand("SELECT person_id FROM insured_person WHERE id_number = $1");
                    command.Parameters.Add(new NpgsqlParameter { Value = id });
                    await command.ExecuteScalarAsync();
                });
                var db = cache.GetDatabase();
                var redisRead = await LoadRun.RunAsync("Redis HGET", sample, concurrency, id => db.HashGetAsync("enrollment:elig:id:" + id, "rev"));
                var grpcCall = await LoadRun.RunAsync("bare gRPC call", sample, concurrency, _ =>
                    clients[Interlocked.Increment(ref counter) % clients.Length].ListRegionPoliciesAsync(new ListRegionPoliciesRequest { Region = "330300" }).ResponseAsync);

                var label = persons.ToString("N0", CultureInfo.InvariantCulture) + (pass.Length > 0 ? $" ({pass})" : "");
                rows.Add((label, cold, "PostgreSQL point read", pointRead));
                rows.Add((label, warm, "Redis HGET", redisRead));
                rows.Add((label, warm, "bare gRPC call", grpcCall));
                perDataset[persons] = (cold, warm);
            }

            Console.WriteLine(Table(rows, perDataset[small], perDataset[large], small, large, concurrency, sharedBuffers));
            foreach (var channel in channels) channel.Dispose();
            return 0;
        }
    }

    private static string Table(
        List<(string Dataset, LoadResult Result, string Baseline, LoadResult BaselineResult)> rows,
        (LoadResult Cold, LoadResult Warm) small, (LoadResult Cold, LoadResult Warm) large, int smallCount, int largeCount, int concurrency,
        string sharedBuffers)
    {
        var s = new StringBuilder();
        s.AppendLine($"Eligibility checks, {concurrency} concurrent callers, {Environment.ProcessorCount} cores, PostgreSQL shared_buffers {sharedBuffers}");
        s.AppendLine();
        s.AppendLine("| persons | path | calls/s | p50 ms | p99 ms | baseline (same run) | baseline calls/s | baseline p50 ms | throughput vs baseline |");
        s.AppendLine("|---:|---|---:|---:|---:|---|---:|---:|---:|");
        foreach (var (dataset, r, baselineName, b) in rows)
            s.AppendLine(FormattableString.Invariant(
                $"| {dataset} | {r.Name} | {r.PerSecond:0} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {baselineName} | {b.PerSecond:0} | {b.P50Ms:0.00} | {r.PerSecond / b.PerSecond:0.00} |"));
        s.AppendLine();
        s.AppendLine(FormattableString.Invariant($"Flatness, {largeCount:N0} vs {smallCount:N0} persons (1.00 = no slower with more persons):"));
        s.AppendLine(FormattableString.Invariant(
            $"- cold: throughput {large.Cold.PerSecond / small.Cold.PerSecond:0.00}x, p50 {large.Cold.P50Ms / small.Cold.P50Ms:0.00}x, p99 {large.Cold.P99Ms / small.Cold.P99Ms:0.00}x"));
        s.AppendLine(FormattableString.Invariant(
            $"- warm: throughput {large.Warm.PerSecond / small.Warm.PerSecond:0.00}x, p50 {large.Warm.P50Ms / small.Warm.P50Ms:0.00}x, p99 {large.Warm.P99Ms / small.Warm.P99Ms:0.00}x"));
        return s.ToString();
    }

    private static async Task ResetAsync(NpgsqlDataSource dataSource, ConnectionMultiplexer cache)
    {
        await using (var truncate = dataSource.CreateCommand("TRUNCATE contribution, insurance_period, spouse_filing, eligibility_revision, insured_person CASCADE"))
            await truncate.ExecuteNonQueryAsync();
        await cache.GetServers()[0].FlushDatabaseAsync();
    }

    internal static async Task<List<string>> SampleAsync(NpgsqlDataSource dataSource, int count)
    {
        await using var command = dataSource.CreateCommand("SELECT id_number FROM insured_person ORDER BY random() LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        var ids = new List<string>(count);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }
}
