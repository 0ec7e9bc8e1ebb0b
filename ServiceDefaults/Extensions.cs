using MaternityCloud.ServiceDefaults.Grpc;
using MaternityCloud.ServiceDefaults.Security;
using MaternityCloud.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every MaternityCloud service shares, in the shape of Aspire's ServiceDefaults so the AppHost's environment
/// (OTEL_*, services__*, ConnectionStrings__*) means the same here as under Aspire.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        // After the configuration provider: with ServiceDiscovery:AllAddresses, a name becomes every pod behind it.
        builder.Services.AddSingleton<Microsoft.Extensions.ServiceDiscovery.IServiceEndpointProviderFactory, EveryAddressEndpointProviderFactory>();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<GrpcServerMetricsInterceptor>(); // outermost: it times the status the caller receives
            o.Interceptors.Add<CallerAccessInterceptor>(); // who calls is settled before anything looks at what they sent
            o.Interceptors.Add<StorableTextInterceptor>();
            o.Interceptors.Add<DomainExceptionInterceptor>();
            o.EnableDetailedErrors = builder.Environment.IsDevelopment();
        }).AddJsonTranscoding(o => o.TypeRegistry = HttpApiExtensions.ErrorDetails); // methods annotated with google.api.http answer JSON on the http endpoint
        builder.Services.AddSingleton<MethodAccessRules>();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Console lines go through the same personal-data scrubber as exported logs.
        builder.Logging.AddConsoleFormatter<ScrubbingConsoleFormatter, ConsoleFormatterOptions>();
        builder.Logging.AddConsole(o => o.FormatterName = ScrubbingConsoleFormatter.FormatterName);
        // Every call between services would otherwise write four Information lines (start, send, headers, end): on the
        // settlement and allowance paths that was most of the log volume. Failures still log; traces keep the timings.
        // Configuration (Logging:LogLevel) can lower it again when someone wants to see every call.
        if (builder.Configuration["Logging:LogLevel:System.Net.Http.HttpClient"] is null)
            builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // Polly reports every attempt of every call at Information ("Execution attempt ... Handled: False"): retries that
        // happened still show, at Warning, with their reason.
        if (builder.Configuration["Logging:LogLevel:Polly"] is null)
            builder.Logging.AddFilter("Polly", LogLevel.Warning);

        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddProcessor(new PersonalDataLogScrubber()); // before the exporter: it sees scrubbed records only
            if (exportOtlp) logging.AddOtlpExporter();
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter("MassTransit", "Npgsql", "MaternityCloud.*")
                    .AddPrometheusExporter(); // /metrics, for a scraper, and to tell replicas' calls apart
                if (exportOtlp) metrics.AddOtlpExporter();
            })
            .WithTracing(tracing =>
            {
                // A deployment keeps a share of traces (OTEL_TRACES_SAMPLER / _ARG); SQL statements can be left out of
                // the ones kept (Telemetry:SqlStatementSpans=false), which leaves the settlement's spans a handful.
                tracing.SetSampler(BackgroundQuerySampler.FromConfiguration(builder.Configuration))
                    .AddSource(builder.Environment.ApplicationName, "MassTransit", "MaternityCloud.*");
                if (builder.Configuration.GetValue("Telemetry:SqlStatementSpans", true)) tracing.AddSource("Npgsql");
                tracing
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                    .AddGrpcClientInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddProcessor(new PersonalDataSpanScrubber());
                if (exportOtlp) tracing.AddOtlpExporter();
            });
        return builder;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) ||
        path.StartsWithSegments(AlivenessEndpointPath) ||
        path.StartsWithSegments("/metrics") ||
        path.StartsWithSegments("/grpc.health.v1.Health");

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // "live" answers whether the process works at all; everything else (database, Redis, bus) is readiness.
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// /health (ready: every check) and /alive (live only) over HTTP, the standard grpc.health.v1.Health service
    /// answering the same as /health, gRPC server reflection so integrators can list every method, and /metrics in
    /// Prometheus' text format (counts and timings by method and status; nothing about any person).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseMiddleware<UnreadableRequestMiddleware>();
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapPrometheusScrapingEndpoint();
        return app;
    }
}
