using MaternityCloud.AppHost.Dashboard.Business;
using MaternityCloud.AppHost.Dashboard.Queues;
using MaternityCloud.AppHost.Dashboard.Telemetry;
using MaternityCloud.AppHost.Hosting;
using MaternityCloud.BuildingBlocks.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.FileProviders;

namespace MaternityCloud.AppHost.Dashboard;

/// <summary>
/// The dashboard's JSON API (what the page calls, and what scripts may call with the bearer token) and its static page.
/// Every route answers on the dashboard's port only.
/// </summary>
public static class DashboardEndpoints
{
    public static void MapDashboard(this WebApplication app, DashboardOptions options)
    {
        var host = $"*:{options.Port}";
        var api = app.MapGroup("/api").RequireHost(host);

        api.MapGet("/resources", ([FromServices] Platform? p) => p?.Snapshot() ?? []);
        api.MapGet("/resources/{name}/environment", (string name, [FromServices] Platform? p) => p?.EnvironmentOf(name) ?? []);
        api.MapGet("/resources/{name}/console", (string name, long? after, [FromServices] Platform? p) =>
            p?.Resources.FirstOrDefault(r => r.Name == name) is { } resource
                ? Results.Ok(resource.RecentOutput.Where(l => l.Sequence > (after ?? 0))
                    .Select(l => l with { Text = PersonalData.Scrub(l.Text) }).ToList())
                : Results.NotFound(new { error = $"no resource '{name}'" }));
        api.MapGet("/me", (HttpContext context) =>
        {
            var who = DashboardAuthentication.OperatorOf(context);
            return new { id = who.Id, role = who.Role.ToString(), site = who.Site };
        });
        api.MapPost("/resources/{name}/{action}", async (string name, string action, [FromServices] Platform? p, HttpContext context, ILoggerFactory logs) =>
        {
            if (p is null) return Results.NotFound(new { error = "no platform" });
            var done = action switch
            {
                "stop" => await p.StopResourceAsync(name),
                "start" => p.StartResource(name),
                "restart" => await p.RestartResourceAsync(name),
                _ => throw new BadHttpRequestException($"unknown action '{action}': stop, start or restart"),
            };
            if (done) logs.CreateLogger("Dashboard").LogInformation("{Operator} asked to {Action} {Resource}", DashboardAuthentication.OperatorOf(context), action, name);
            return done ? Results.Accepted() : Results.NotFound(new { error = $"'{name}' is not a process the AppHost runs" });
        });

        api.MapGet("/telemetry/services", (TelemetryStore store) => store.Services());
        api.MapGet("/logs", (TelemetryStore store, string? service, int? minSeverity, string? text, string? traceId, long? after, int? limit) =>
            store.Logs(new LogQuery(Blank(service), minSeverity ?? 0, Blank(text), Blank(traceId), after ?? 0, Math.Clamp(limit ?? 500, 1, 5000))));
        api.MapGet("/traces", (TelemetryStore store, string? service, string? text, double? minDurationMs, bool? errors, int? limit) =>
            store.Traces(new TraceQuery(Blank(service), Blank(text), minDurationMs, errors ?? false, Math.Clamp(limit ?? 200, 1, 2000))));
        api.MapGet("/traces/{traceId}", (string traceId, TelemetryStore store) =>
            store.Trace(traceId.ToLowerInvariant()) is { } spans ? Results.Ok(spans) : Results.NotFound(new { error = $"no trace '{traceId}' (it may have aged out)" }));

        api.MapGet("/metrics/instruments", (TelemetryStore store) => store.Instruments());
        api.MapGet("/metrics/methods", (MetricQueries metrics, int? minutes) => metrics.Methods(TimeSpan.FromMinutes(Math.Clamp(minutes ?? 5, 1, 120))));
        api.MapGet("/metrics/chart", (MetricQueries metrics, string name, string? service, int? minutes, string? stat, string? groupBy) =>
            metrics.Chart(Blank(service), name, TimeSpan.FromMinutes(Math.Clamp(minutes ?? 15, 1, 240)),
                Enum.TryParse<ChartStatistic>(stat, ignoreCase: true, out var s) ? s : ChartStatistic.Rate,
                (groupBy ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));

        api.MapGet("/queues", ([FromServices] BrokerQueues? queues) => queues?.Latest ?? []);
        api.MapGet("/queues/{queue}/messages", async (string queue, [FromServices] BrokerQueues? queues, CancellationToken ct) =>
            queues is null ? Results.NotFound(new { error = "no broker" }) : Results.Ok(await queues.PeekAsync(queue, 50, ct)));
        api.MapPost("/queues/{queue}/messages/{messageId}/replay", async (string queue, string messageId, [FromServices] BrokerQueues? queues, HttpContext context, ILoggerFactory logs, CancellationToken ct) =>
        {
            if (queues is null) return Results.NotFound(new { error = "no broker" });
            if (!await queues.ReplayAsync(queue, messageId, ct)) return Results.NotFound(new { error = $"message {messageId} is no longer in {queue}" });
            logs.CreateLogger("Dashboard").LogInformation("{Operator} replayed message {MessageId} from {Queue}", DashboardAuthentication.OperatorOf(context), messageId, queue);
            return Results.Ok(new { replayed = messageId, to = queue[..^"_error".Length] });
        });

        api.MapGet("/business", async (BusinessViews business, CancellationToken ct) =>
            Results.Content(await business.SummaryJsonAsync(ct), "application/json"));

        // The page: one HTML file, its script and its style, embedded in the AppHost (served with no internet).
        var files = new EmbeddedFileProvider(typeof(DashboardEndpoints).Assembly, "MaternityCloud.AppHost.Dashboard.Web");
        foreach (var (path, file, type) in new[] { ("/", "index.html", "text/html; charset=utf-8"), ("/app.js", "app.js", "text/javascript; charset=utf-8"), ("/app.css", "app.css", "text/css; charset=utf-8") })
        {
            app.MapGet(path, () => Results.Stream(files.GetFileInfo(file).CreateReadStream(), type)).RequireHost(host);
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
