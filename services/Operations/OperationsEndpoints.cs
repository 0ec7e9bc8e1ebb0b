using MaternityCloud.Operations.Business;
using MaternityCloud.Operations.Queues;
using Microsoft.Extensions.FileProviders;

namespace MaternityCloud.Operations;

/// <summary>The JSON API the page calls (scripts may call it too, with "Authorization: Bearer CREDENTIAL") and the page.</summary>
public static class OperationsEndpoints
{
    public static void MapOperationsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/me", (HttpContext context) =>
        {
            var who = OperatorSignIn.OperatorOf(context);
            return new { id = who.Id, role = who.Role.ToString(), site = who.Site };
        });
        api.MapGet("/business", async (BusinessViews business, CancellationToken ct) =>
            Results.Content(await business.SummaryJsonAsync(ct), "application/json"));

        // The enrolment drive: the follow-up list (JSON or CSV) and the reminder sent again, with the operator's own credential.
        api.MapGet("/enrollment-drive", (HttpContext context, EnrollmentDrives drives, string region, string? street, int? days, CancellationToken ct) =>
            Forwarded(async () => Results.Ok(await drives.ListAsync(OperatorSignIn.CredentialOf(context), region, street, days ?? 30, ct))));
        api.MapGet("/enrollment-drive.csv", (HttpContext context, EnrollmentDrives drives, string region, string? street, int? days, CancellationToken ct) =>
            Forwarded(async () => Results.File(EnrollmentDrives.Csv(await drives.ListAsync(OperatorSignIn.CredentialOf(context), region, street, days ?? 30, ct)),
                "text/csv; charset=utf-8", $"unenrolled-newborns-{region}.csv")));
        api.MapPost("/enrollment-drive/remind", (HttpContext context, EnrollmentDrives drives, string region, string? street, int? days, CancellationToken ct) =>
            Forwarded(async () => Results.Ok(await drives.RemindAsync(OperatorSignIn.CredentialOf(context), region, street, days ?? 30, ct))));

        api.MapGet("/queues", (BrokerQueues queues) => queues.Latest);
        api.MapGet("/queues/{queue}/messages", async (string queue, BrokerQueues queues, CancellationToken ct) =>
            Results.Ok(await queues.PeekAsync(queue, 50, ct)));
        api.MapPost("/queues/{queue}/messages/{messageId}/replay", async (string queue, string messageId, BrokerQueues queues,
            HttpContext context, ILoggerFactory logs, CancellationToken ct) =>
        {
            if (!await queues.ReplayAsync(queue, messageId, ct)) return Results.NotFound(new { error = $"message {messageId} is no longer in {queue}" });
            logs.CreateLogger("Operations").LogInformation("{Operator} replayed message {MessageId} from {Queue}", OperatorSignIn.OperatorOf(context), messageId, queue);
            return Results.Ok(new { replayed = messageId, to = queue[..^"_error".Length] });
        });
        api.MapPost("/queues/replay", async (BrokerQueues queues, HttpContext context, ILoggerFactory logs, CancellationToken ct) =>
        {
            var replayed = await queues.ReplayAllAsync(ct);
            logs.CreateLogger("Operations").LogInformation("{Operator} replayed every error queue: {Replayed}", OperatorSignIn.OperatorOf(context),
                string.Join(", ", replayed.Select(r => $"{r.Value} from {r.Key}")));
            return Results.Ok(new { replayed });
        });
    }

    /// <summary>A service's refusal passed on to the operator with its status and words.</summary>
    private static async Task<IResult> Forwarded(Func<Task<IResult>> call)
    {
        try { return await call(); }
        catch (Grpc.Core.RpcException e)
        {
            var status = e.StatusCode switch
            {
                Grpc.Core.StatusCode.InvalidArgument or Grpc.Core.StatusCode.FailedPrecondition => 400,
                Grpc.Core.StatusCode.PermissionDenied => 403,
                Grpc.Core.StatusCode.Unauthenticated => 401,
                Grpc.Core.StatusCode.NotFound => 404,
                _ => 503,
            };
            return Results.Json(new { error = e.Status.Detail }, statusCode: status);
        }
    }

    /// <summary>One HTML page, its script and its style, embedded (served with no internet).</summary>
    public static void MapOperationsPage(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(OperationsEndpoints).Assembly, "MaternityCloud.Operations.Web");
        foreach (var (path, file, type) in new[] { ("/", "index.html", "text/html; charset=utf-8"), ("/app.js", "app.js", "text/javascript; charset=utf-8"), ("/app.css", "app.css", "text/css; charset=utf-8") })
            app.MapGet(path, () => Results.Stream(files.GetFileInfo(file).CreateReadStream(), type));
    }
}

/// <summary>Reads the broker's queues every 5 s, for the page and the rabbitmq.queue.* gauges.</summary>
public sealed class BrokerQueuePolling(BrokerQueues queues, ILogger<BrokerQueuePolling> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var failing = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await queues.PollAsync(ct);
                failing = false;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                // Once per outage, not every 5 s: the broker's own health is on its resource in the Aspire dashboard.
                if (!failing) logger.LogWarning("The broker's management API does not answer: {Reason}", e.Message);
                failing = true;
            }
            try { await Task.Delay(TimeSpan.FromSeconds(5), ct); } catch (OperationCanceledException) { return; }
        }
    }
}
