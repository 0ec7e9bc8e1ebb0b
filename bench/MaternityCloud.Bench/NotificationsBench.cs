using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Contracts.Gateways;
using Npgsql;
using Calendar = MaternityCloud.BuildingBlocks.Domain.Calendar;

namespace MaternityCloud.Bench;

/// <summary>
/// Notifications against the real servers and the local gateway (as separate processes, the way the AppHost runs them):
/// <list type="number">
/// <item>messages rendered and handed to the gateway per second, from a burst of allowance approvals (each: the inbox,
/// the contact lookup, rendering, the message row, the dispatcher's claim, the signed HTTP call, the outcome); baseline in
/// the same run: the same number of signed SMS requests sent straight to the gateway with the dispatcher's concurrency;</item>
/// <item>the service's memory (RSS) with a backlog of deferred messages (quiet hours all day), against the same process
/// idle before the backlog; then the rate at which the backlog drains when the quiet hours end.</item>
/// </list>
/// Quiet hours are changed the way an operator changes them: a new version of the region's parameters on the bus.
/// </summary>
public static class NotificationsBench
{
    private const string Region = "330300";
    private const int Concurrency = 16;

    public static async Task<int> RunAsync(int burst, int backlog, bool telemetry)
    {
        await using var platform = await RunningPlatform.StartAsync(telemetry: telemetry, perResource: new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["localgateway"] = new Dictionary<string, string> { ["LocalGateway__AutoReceipts"] = "false" },
            ["notifications"] = new Dictionary<string, string> { ["Notifications__RateLimit__PerPhone"] = "1000", ["Notifications__DispatchInterval"] = "00:00:00.200" },
        });
        IBusControl? bus = null;
        try
        {
            await using var data = NpgsqlDataSource.Create(platform.Database("notificationsdb"));
            var people = await Population.AddRecipientsAsync(data, Enumerable.Range(0, burst + backlog).Select(UniqueId).ToList());
            Console.Error.WriteLine($"[bench] {people.Count:N0} recipients loaded");

            var amqp = platform.Amqp;
            bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(amqp.Host, (ushort)amqp.Port, "/", h => { h.Username("guest"); h.Password("guest"); }));
            await bus.StartAsync();
            var today = Calendar.DateInChina(DateTimeOffset.UtcNow);
            var shipped = await File.ReadAllTextAsync(Path.Combine(platform.RepositoryRoot, "services/BuildingBlocks/Policy/Regions/330300-2024-01-01.json"));
            await LoadQuietHoursAsync(bus, data, shipped, today.AddDays(-2), "00:00", "00:00"); // none: the burst is measured at any hour

            // Baseline: the gateway alone, the same number of signed SMS requests, as many at once as the dispatcher sends.
            using var http = new HttpClient { BaseAddress = new Uri(platform.Endpoint("localgateway", "http")) };
            var direct = Stopwatch.StartNew();
            await Parallel.ForEachAsync(people.Take(burst), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (p, ct) =>
            {
                var body = JsonSerializer.Serialize(new SmsSendRequest(Guid.NewGuid().ToString(), p.Phone, "医疗保障", "baseline", "基线短信"), JsonSerializerOptions.Web);
                using var request = new HttpRequestMessage(HttpMethod.Post, "/sms/send") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                foreach (var (name, value) in SmsGatewaySignature.Headers("local-sms", "local-sms-secret", body, DateTimeOffset.UtcNow)) request.Headers.Add(name, value);
                using var response = await http.SendAsync(request, ct);
                response.EnsureSuccessStatusCode();
            });
            var gatewayPerSecond = burst / direct.Elapsed.TotalSeconds;

            // The burst: one allowance approval per person, all published at once.
            var clock = Stopwatch.StartNew();
            await AllowanceBench.PublishAllAsync(bus, people.Take(burst).Select(p => Approved(p.IdNumber)));
            await WaitForAsync(data, "Sent", burst, clock);
            var sentPerSecond = burst / clock.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idle = RunningPlatform.Rss(platform.Pid("notifications"));

            // The backlog: quiet hours all day, then a burst that can only wait.
            await LoadQuietHoursAsync(bus, data, shipped, today.AddDays(-1), "00:00", "23:59");
            clock.Restart();
            await AllowanceBench.PublishAllAsync(bus, people.Skip(burst).Select(p => Approved(p.IdNumber)));
            await WaitForAsync(data, "Queued", backlog, clock);
            var planPerSecond = backlog / clock.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(10)); // dispatcher passes over the waiting backlog
            var withBacklog = RunningPlatform.Rss(platform.Pid("notifications"));

            // The quiet hours end: the morning comes for every waiting message at once (their due time is now), and the
            // region's version without quiet hours applies again, as at 08:00.
            await LoadQuietHoursAsync(bus, data, shipped, today, "00:00", "00:00");
            await using (var morning = data.CreateCommand("UPDATE message SET due_at = now() WHERE state = 'Queued'"))
                await morning.ExecuteNonQueryAsync();
            clock.Restart();
            await WaitForAsync(data, "Sent", burst + backlog, clock);
            var drainPerSecond = backlog / clock.Elapsed.TotalSeconds;

            var s = new StringBuilder();
            s.AppendLine(FormattableString.Invariant($"Notifications: a burst of {burst:N0} approvals and a backlog of {backlog:N0} deferred messages, {Environment.ProcessorCount} cores, telemetry {(telemetry ? "on" : "off")}; every process on this machine"));
            s.AppendLine();
            s.AppendLine("| measure | value | baseline (same run) | baseline value | ratio |");
            s.AppendLine("|---|---:|---|---:|---:|");
            s.AppendLine(FormattableString.Invariant($"| messages rendered and handed to the gateway per second (event → sent) | {sentPerSecond:0} | signed SMS requests straight to the gateway per second | {gatewayPerSecond:0} | {sentPerSecond / gatewayPerSecond:0.00} |"));
            s.AppendLine(FormattableString.Invariant($"| deferred messages planned per second (event → queued) | {planPerSecond:0} | the same gateway baseline | {gatewayPerSecond:0} | {planPerSecond / gatewayPerSecond:0.00} |"));
            s.AppendLine(FormattableString.Invariant($"| backlog drained per second when the quiet hours end | {drainPerSecond:0} | the same gateway baseline | {gatewayPerSecond:0} | {drainPerSecond / gatewayPerSecond:0.00} |"));
            s.AppendLine(FormattableString.Invariant($"| Notifications RSS with {backlog:N0} deferred messages | {withBacklog / 1048576.0:0} MiB | the same process idle before the backlog | {idle / 1048576.0:0} MiB | {(double)withBacklog / idle:0.00} |"));
            Console.WriteLine(s.ToString());
            return 0;
        }
        finally
        {
            if (bus is not null) await bus.StopAsync();
        }
    }

    private static AllowanceApproved Approved(string idNumber) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), idNumber, "91330300MA2BENCH01", "Childbirth", new DateOnly(2026, 9, 20), 128, 287.67m,
            36821.33m, new DateOnly(2026, 10, 19), Region);

    /// <summary>Distinct ID-number-shaped keys (the service stores them as given; the bench needs no check digits).</summary>
    private static string UniqueId(int i) => "3303021990" + i.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>A new version of the region's parameters with other quiet hours, published as Enrollment publishes an operator's load.</summary>
    internal static async Task LoadQuietHoursAsync(IBus bus, NpgsqlDataSource data, string shipped, DateOnly effectiveFrom, string from, string to)
    {
        var document = JsonNode.Parse(shipped, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip })!;
        document["effectiveFrom"] = effectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        document["notifications"]!["quietHours"] = new JsonObject { ["from"] = from, ["to"] = to };
        await bus.Publish(new RegionPolicyLoaded(Guid.NewGuid(), DateTimeOffset.UtcNow, Region, effectiveFrom, document.ToJsonString(), "bench"));
        while (true)
        {
            await using var stored = data.CreateCommand("SELECT count(*) FROM region_policy WHERE region = $1 AND effective_from = $2");
            stored.Parameters.Add(new NpgsqlParameter { Value = Region });
            stored.Parameters.Add(new NpgsqlParameter { Value = effectiveFrom });
            if ((long)(await stored.ExecuteScalarAsync())! == 1) break;
            await Task.Delay(200);
        }
        await Task.Delay(TimeSpan.FromSeconds(6)); // every replica refreshes its catalog within Policy:RefreshInterval (5 s)
    }

    private static async Task WaitForAsync(NpgsqlDataSource data, string messageState, int count, Stopwatch clock)
    {
        long done = 0;
        var lastReport = TimeSpan.Zero;
        while (done < count)
        {
            await Task.Delay(100);
            await using var command = data.CreateCommand("SELECT count(*) FROM message WHERE state = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = messageState });
            done = (long)(await command.ExecuteScalarAsync())!;
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(5))
            {
                lastReport = clock.Elapsed;
                Console.Error.WriteLine($"[bench] {done:N0} of {count:N0} {messageState} after {clock.Elapsed.TotalSeconds:0} s");
            }
        }
    }
}
