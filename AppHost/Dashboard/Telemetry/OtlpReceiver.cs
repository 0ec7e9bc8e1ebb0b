using Grpc.Core;
using MaternityCloud.AppHost.Dashboard.Otlp.Collector.Logs;
using MaternityCloud.AppHost.Dashboard.Otlp.Collector.Metrics;
using MaternityCloud.AppHost.Dashboard.Otlp.Collector.Trace;
using Microsoft.AspNetCore.Http.Features;

namespace MaternityCloud.AppHost.Dashboard.Telemetry;

/// <summary>
/// The OTLP receiver, as the Aspire dashboard and the OpenTelemetry Collector expose it: the collector's gRPC services
/// on one port and POST /v1/traces, /v1/logs, /v1/metrics (application/x-protobuf) on another. With an API key set,
/// a sender must present it in the x-otlp-api-key header (OTEL_EXPORTER_OTLP_HEADERS), as with Aspire's ApiKey mode.
/// </summary>
public static class OtlpReceiver
{
    public const string ApiKeyHeader = "x-otlp-api-key";
    private const long MaxRequestBytes = 32 * 1024 * 1024;

    public static void MapOtlpReceiver(this WebApplication app, DashboardOptions options)
    {
        app.MapGrpcService<TraceReceiver>().RequireHost($"*:{options.OtlpGrpcPort}");
        app.MapGrpcService<LogsReceiver>().RequireHost($"*:{options.OtlpGrpcPort}");
        app.MapGrpcService<MetricsReceiver>().RequireHost($"*:{options.OtlpGrpcPort}");

        app.MapPost("/v1/traces", (HttpContext c, OtlpIngest ingest) => ReceiveHttpAsync(c, options, SignalKind.Traces, ingest)).RequireHost($"*:{options.OtlpHttpPort}");
        app.MapPost("/v1/logs", (HttpContext c, OtlpIngest ingest) => ReceiveHttpAsync(c, options, SignalKind.Logs, ingest)).RequireHost($"*:{options.OtlpHttpPort}");
        app.MapPost("/v1/metrics", (HttpContext c, OtlpIngest ingest) => ReceiveHttpAsync(c, options, SignalKind.Metrics, ingest)).RequireHost($"*:{options.OtlpHttpPort}");
    }

    private static async Task<IResult> ReceiveHttpAsync(HttpContext context, DashboardOptions options, SignalKind kind, OtlpIngest ingest)
    {
        if (!ApiKeyAccepted(options, context.Request.Headers[ApiKeyHeader]))
            return Results.Problem($"Missing or wrong {ApiKeyHeader} header.", statusCode: StatusCodes.Status401Unauthorized);
        if (context.Request.ContentType?.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase) != true)
            return Results.Problem("Only OTLP/HTTP with protobuf bodies (application/x-protobuf) is received here.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxRequestBytes;

        using var body = new MemoryStream();
        var stream = context.Request.Headers.ContentEncoding.ToString() == "gzip"
            ? new System.IO.Compression.GZipStream(context.Request.Body, System.IO.Compression.CompressionMode.Decompress)
            : context.Request.Body;
        await stream.CopyToAsync(body, context.RequestAborted);
        try
        {
            ingest.Accept(kind, body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            return Results.Problem($"The body is not an OTLP {kind} export request: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
        // An empty ExportXServiceResponse: full success.
        return Results.Bytes([], "application/x-protobuf");
    }

    internal static bool ApiKeyAccepted(DashboardOptions options, string? presented) =>
        options.OtlpApiKey is not { Length: > 0 } key ||
        (presented is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(key)));

    internal static void Authorize(DashboardOptions options, ServerCallContext context)
    {
        if (!ApiKeyAccepted(options, context.RequestHeaders.GetValue(ApiKeyHeader)))
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Missing or wrong {ApiKeyHeader} header."));
    }

    internal sealed class TraceReceiver(OtlpIngest ingest, DashboardOptions options) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            Authorize(options, context);
            ingest.Accept(request);
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }

    internal sealed class LogsReceiver(OtlpIngest ingest, DashboardOptions options) : LogsService.LogsServiceBase
    {
        public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
        {
            Authorize(options, context);
            ingest.Accept(request);
            return Task.FromResult(new ExportLogsServiceResponse());
        }
    }

    internal sealed class MetricsReceiver(OtlpIngest ingest, DashboardOptions options) : MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            Authorize(options, context);
            ingest.Accept(request);
            return Task.FromResult(new ExportMetricsServiceResponse());
        }
    }
}
