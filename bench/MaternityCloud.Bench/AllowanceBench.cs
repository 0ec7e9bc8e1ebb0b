using MaternityCloud.Contracts.Codes;
using System.Diagnostics;
using System.Text;
using MassTransit;
using MaternityCloud.Contracts.Events;
using Npgsql;

namespace MaternityCloud.Bench;

/// <summary>A message for the baseline: the bus alone, publish to a no-op consumer.</summary>
public sealed record BusProbe(Guid Id, DateTimeOffset SentAt);

/// <summary>
/// Allowance cases computed per second from a burst of childbirth settlement events (each: the inbox, Enrollment's
/// eligibility and the employer's wage over gRPC, the case and its approval event), and the lag from the event to its
/// approved case. Baseline in the same run: the same number of messages published to a no-op MassTransit consumer on
/// the same RabbitMQ (the bus alone).
/// </summary>
public static class AllowanceBench
{
    private sealed class ProbeConsumer : IConsumer<BusProbe>
    {
        public static int Consumed;
        public Task Consume(ConsumeContext<BusProbe> context)
        {
            Interlocked.Increment(ref Consumed);
            return Task.CompletedTask;
        }
    }

    public static async Task<int> RunAsync(int events, bool telemetry)
    {
        await using var platform = await RunningPlatform.StartAsync(telemetry: telemetry);
        IBusControl? bus = null;
        try
        {
            await using var enrollmentData = NpgsqlDataSource.Create(platform.Database("enrollmentdb"));
            await using var allowanceData = NpgsqlDataSource.Create(platform.Database("allowancedb"));
            await Population.AddInsuredAsync(enrollmentData, 0, events);
            await Population.EmployAsync(enrollmentData, DateOnly.FromDateTime(DateTime.Now).AddDays(-1).Year - 1);
            var persons = await EligibilityBench.SampleAsync(enrollmentData, events);
            Console.Error.WriteLine($"[bench] {persons.Count:N0} employees of 200 employers loaded");

            var amqp = platform.Amqp;
            bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
            {
                cfg.Host(amqp.Host, (ushort)amqp.Port, "/", h => { h.Username("guest"); h.Password("guest"); });
                cfg.ReceiveEndpoint("bench-bus-probe", e => e.Consumer<ProbeConsumer>());
            });
            await bus.StartAsync();

            // Baseline: the bus alone, the same number of messages.
            var probe = Stopwatch.StartNew();
            await PublishAllAsync(bus, Enumerable.Range(0, persons.Count).Select(_ => new BusProbe(Guid.NewGuid(), DateTimeOffset.UtcNow)));
            while (Volatile.Read(ref ProbeConsumer.Consumed) < persons.Count) await Task.Delay(50);
            var busPerSecond = persons.Count / probe.Elapsed.TotalSeconds;

            // The burst: one childbirth settlement per employee, all published at once.
            var day = DateOnly.FromDateTime(DateTime.Now).AddDays(-1);
            var sent = new Dictionary<Guid, DateTimeOffset>(persons.Count);
            var Childbirth = NationalCodes.ClassifyVisit("52", "1", null, 1, 39, false, false, (f, r) => throw new InvalidOperationException($"{f}: {r}"))!;
            IEnumerable<SettlementCompleted> Burst()
            {
                // Created as they are published (enumerated in order), so each event's time is its own publish time.
                foreach (var id in persons)
                {
                    var e = new SettlementCompleted(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), "H33030200001", id, Childbirth, day, 3200m, 0m,
                        "330300", "", false, null);
                    sent[e.SettlementId] = e.OccurredAt;
                    yield return e;
                }
            }
            var clock = Stopwatch.StartNew();
            await PublishAllAsync(bus, Burst());
            var published = clock.Elapsed.TotalSeconds;
            long done = 0;
            while (done < persons.Count)
            {
                await Task.Delay(1000);
                await using var count = allowanceData.CreateCommand("SELECT count(*) FROM allowance_case");
                done = (long)(await count.ExecuteScalarAsync())!;
                Console.Error.WriteLine($"[bench] {done:N0} cases after {clock.Elapsed.TotalSeconds:0} s");
            }
            var drained = clock.Elapsed.TotalSeconds;

            var lags = new List<double>(persons.Count);
            int approved = 0;
            await using (var read = allowanceData.CreateCommand("SELECT settlement_id, opened_at, state FROM allowance_case"))
            await using (var reader = await read.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                {
                    lags.Add((reader.GetFieldValue<DateTimeOffset>(1) - sent[reader.GetGuid(0)]).TotalMilliseconds);
                    if (reader.GetString(2) == "Approved") approved++;
                }
            lags.Sort();
            var casesPerSecond = persons.Count / drained;

            var s = new StringBuilder();
            s.AppendLine(FormattableString.Invariant($"Allowance from a burst of {persons.Count:N0} childbirth settlements, {Environment.ProcessorCount} cores, telemetry {(telemetry ? "on" : "off")}; every process on this machine"));
            s.AppendLine();
            s.AppendLine("| measure | value | baseline (same run) | baseline value | ratio |");
            s.AppendLine("|---|---:|---|---:|---:|");
            s.AppendLine(FormattableString.Invariant($"| cases computed and approved per second | {casesPerSecond:0} | bare bus: messages consumed per second | {busPerSecond:0} | {casesPerSecond / busPerSecond:0.00} |"));
            s.AppendLine(FormattableString.Invariant($"| lag settlement → approved case, p50 | {LoadRun.Percentile(lags, 0.50) / 1000:0.0} s | time to publish the burst | {published:0.0} s | |"));
            s.AppendLine(FormattableString.Invariant($"| lag settlement → approved case, p99 | {LoadRun.Percentile(lags, 0.99) / 1000:0.0} s | time to drain the burst | {drained:0.0} s | |"));
            s.AppendLine(FormattableString.Invariant($"| cases approved | {approved:N0} of {persons.Count:N0} | | | |"));
            Console.WriteLine(s.ToString());
            return approved == persons.Count ? 0 : 1;
        }
        finally
        {
            if (bus is not null) await bus.StopAsync();
        }
    }

    internal static async Task PublishAllAsync<T>(IBus bus, IEnumerable<T> messages) where T : class
    {
        foreach (var chunk in messages.Chunk(500))
            await Task.WhenAll(chunk.Select(m => bus.Publish(m)));
    }
}
