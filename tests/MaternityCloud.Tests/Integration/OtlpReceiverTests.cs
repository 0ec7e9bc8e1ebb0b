using System.Diagnostics;
using System.Diagnostics.Metrics;
using MaternityCloud.AppHost.Dashboard;
using MaternityCloud.AppHost.Dashboard.Telemetry;
using MaternityCloud.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The dashboard's OTLP receiver taking what the real .NET OpenTelemetry exporter sends, over gRPC and over
/// HTTP/protobuf, exactly as a service (or any foreign sender) would: spans with their parents, logs with their trace,
/// metrics turned into rates and percentiles; a sender without the key is refused; the journal survives a restart.
/// </summary>
public sealed class OtlpReceiverTests : IAsyncDisposable
{
    private const string ApiKey = "receiver-test-key";
    private readonly string _journal = Path.Combine(Path.GetTempPath(), "maternitycloud-otlp-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly DashboardOptions _options;
    private WebApplication _dashboard;

    public OtlpReceiverTests()
    {
        var ports = FreePorts.Take(3);
        _options = new DashboardOptions
        {
            Port = ports[0], OtlpGrpcPort = ports[1], OtlpHttpPort = ports[2], Token = "t", IssuerPublicKey = TestCredentials.IssuerPublicKeyPem, OtlpApiKey = ApiKey,
            Telemetry = new TelemetryOptions { PersistDirectory = _journal },
        };
        _dashboard = DashboardServer.Build(_options, platform: null);
        _dashboard.StartAsync().GetAwaiter().GetResult();
    }

    private TelemetryStore Store => _dashboard.Services.GetRequiredService<TelemetryStore>();

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Spans_and_logs_from_the_dotnet_exporter_arrive_with_their_parents_and_trace(OtlpExportProtocol protocol)
    {
        var source = new ActivitySource("Test.Hospital." + protocol);
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("his-test"))
            .AddSource(source.Name)
            .AddOtlpExporter(o => Configure(o, protocol, "traces"))
            .Build();
        using var logging = LoggerFactory.Create(b => b.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("his-test"));
            o.IncludeFormattedMessage = true;
            o.AddOtlpExporter(e => Configure(e, protocol, "logs"));
        }));
        var logger = logging.CreateLogger("Hospital.Counter");

        string traceId, parentId;
        using (var parent = source.StartActivity("Settle childbirth", ActivityKind.Server)!)
        {
            parent.SetTag("maternitycloud.institution", "H33030200001");
            parent.SetTag("patient.id", "330302199001011234"); // a foreign sender that forgot to scrub
            traceId = parent.TraceId.ToHexString();
            parentId = parent.SpanId.ToHexString();
            using (var child = source.StartActivity("check eligibility", ActivityKind.Client)!)
            {
                child.SetStatus(ActivityStatusCode.Error, "enrollment unavailable");
                Thread.Sleep(5);
            }
            logger.LogWarning("Settled {Amount} for the visit", "2480.50");
        }
        Assert.True(tracing.ForceFlush(10_000));
        logging.Dispose();

        var spans = await Eventually.Get(() => Task.FromResult(Store.Trace(traceId) is { Count: 2 } s ? s : null), TimeSpan.FromSeconds(10), "both spans received");
        var root = spans.Single(s => s.ParentSpanId is null);
        var call = spans.Single(s => s.ParentSpanId is not null);
        Assert.Equal(("Settle childbirth", "Server", "his-test", parentId), (root.Name, root.Kind, root.Service, root.SpanId));
        Assert.Equal(("check eligibility", "Client", parentId, "Error", "enrollment unavailable"), (call.Name, call.Kind, call.ParentSpanId, call.Status, call.StatusMessage));
        Assert.True(call.DurationMs >= 4, $"child lasted {call.DurationMs} ms");
        Assert.Contains(root.Attributes, a => a.Key == "maternitycloud.institution" && a.Value == "H33030200001");
        Assert.Contains(root.Attributes, a => a.Key == "patient.id" && a.Value == "330302********1234");

        var summary = Assert.Single(Store.Traces(new TraceQuery(Service: "his-test", Text: "check eligibility")), t => t.TraceId == traceId);
        Assert.Equal((2, 1, "Settle childbirth"), (summary.SpanCount, summary.ErrorCount, summary.Name));

        var log = await Eventually.Get(() => Task.FromResult(Store.Logs(new LogQuery(TraceId: traceId)).SingleOrDefault()), TimeSpan.FromSeconds(10), "the log record");
        Assert.Equal(("Warning", "his-test", "Hospital.Counter", "Settled 2480.50 for the visit", parentId), (log.Level, log.Service, log.Category, log.Message, log.SpanId));
    }

    [Fact]
    public async Task Metrics_become_per_method_rates_error_shares_and_percentiles()
    {
        using var meter = new Meter("Test.Grpc");
        // The buckets the services' GrpcServerMetricsInterceptor advises (seconds).
        var duration = meter.CreateHistogram<double>(MetricQueries.RpcDuration, "s", null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        var counter = meter.CreateCounter<long>("test.settlements");
        using var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("claims-test"))
            .AddMeter(meter.Name)
            .AddOtlpExporter((o, reader) => { Configure(o, OtlpExportProtocol.Grpc, "metrics"); reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000; })
            .Build();

        void Call(double seconds, int status) => duration.Record(seconds,
            new("rpc.service", "maternitycloud.claims.v1.Claims"), new("rpc.method", "Settle"), new("rpc.grpc.status_code", status));
        // Two cumulative exports: the second is differenced against the first; the first counts whole, because the
        // sender started inside the window. The refused calls' series appears only in the second export.
        Call(0.004, 0);
        counter.Add(1);
        Assert.True(metrics.ForceFlush(10_000));
        await Task.Delay(50);
        for (var i = 0; i < 90; i++) Call(0.008, 0);   // 90 calls in (5 ms, 10 ms]
        for (var i = 0; i < 10; i++) Call(0.2, 9);     // 10 refused with FAILED_PRECONDITION, in (100 ms, 250 ms]
        counter.Add(41);
        Assert.True(metrics.ForceFlush(10_000));

        var settle = await Eventually.Get(() => Task.FromResult(
            new MetricQueries(Store, TimeProvider.System).Methods(TimeSpan.FromMinutes(5)).SingleOrDefault(m => m.Service == "claims-test" && m.Calls == 101)),
            TimeSpan.FromSeconds(10), "all 101 calls counted");
        Assert.Equal("maternitycloud.claims.v1.Claims/Settle", settle.Method);
        Assert.Equal(10.0 / 101, settle.ErrorRate, 6);
        Assert.InRange(settle.P50Ms!.Value, 5, 10);     // inside the bucket that holds the median
        Assert.InRange(settle.P99Ms!.Value, 100, 250);

        var rate = new MetricQueries(Store, TimeProvider.System).Chart("claims-test", "test.settlements", TimeSpan.FromMinutes(5), ChartStatistic.Rate, []);
        var perSecond = Assert.Single(rate).Points.Where(p => p.Value > 0).ToList();
        Assert.Equal(42, perSecond.Sum(p => p.Value!.Value) * (TimeSpan.FromMinutes(5) / 60).TotalSeconds, 6);
    }

    [Fact]
    public async Task A_sender_without_the_key_is_refused_and_nothing_is_stored()
    {
        using var http = new HttpClient();
        var body = new ByteArrayContent([]);
        body.Headers.ContentType = new("application/x-protobuf");
        using var refused = await http.PostAsync($"{_options.OtlpHttpUrl}/v1/traces", body);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);

        var source = new ActivitySource("Test.NoKey");
        using (var tracing = Sdk.CreateTracerProviderBuilder().AddSource(source.Name)
                   .AddOtlpExporter(o => { o.Endpoint = new Uri(_options.OtlpGrpcUrl); o.Protocol = OtlpExportProtocol.Grpc; }).Build())
        {
            using (source.StartActivity("unauthorised")) { }
            tracing.ForceFlush(5_000);
        }
        Assert.Empty(Store.Traces(new TraceQuery(Text: "unauthorised")));
        Assert.Equal(0, Store.SpanCount);
    }

    [Fact]
    public async Task The_journal_brings_back_received_telemetry_after_a_restart()
    {
        var source = new ActivitySource("Test.Journal");
        string traceId;
        using (var tracing = Sdk.CreateTracerProviderBuilder().AddSource(source.Name).AddOtlpExporter(o => Configure(o, OtlpExportProtocol.HttpProtobuf, "traces")).Build())
        {
            using (var a = source.StartActivity("before the restart")!) traceId = a.TraceId.ToHexString();
            Assert.True(tracing.ForceFlush(10_000));
        }
        await Eventually.Get(() => Task.FromResult(Store.Trace(traceId)), TimeSpan.FromSeconds(10), "the span received");

        await _dashboard.StopAsync();
        await _dashboard.DisposeAsync();
        _dashboard = DashboardServer.Build(_options, platform: null);
        await _dashboard.StartAsync();

        var replayed = Assert.Single(Store.Trace(traceId)!);
        Assert.Equal("before the restart", replayed.Name);
    }

    private void Configure(OtlpExporterOptions o, OtlpExportProtocol protocol, string signal)
    {
        o.Protocol = protocol;
        o.Endpoint = protocol == OtlpExportProtocol.Grpc ? new Uri(_options.OtlpGrpcUrl) : new Uri($"{_options.OtlpHttpUrl}/v1/{signal}");
        o.Headers = $"{AppHost.Dashboard.Telemetry.OtlpReceiver.ApiKeyHeader}={ApiKey}";
    }

    public async ValueTask DisposeAsync()
    {
        await _dashboard.StopAsync();
        await _dashboard.DisposeAsync();
        try { Directory.Delete(_journal, recursive: true); } catch (IOException) { }
    }
}
