using MaternityCloud.AppHost.Dashboard.Business;
using MaternityCloud.AppHost.Dashboard.Queues;
using MaternityCloud.AppHost.Dashboard.Telemetry;
using MaternityCloud.AppHost.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MaternityCloud.AppHost.Dashboard;

/// <summary>
/// The dashboard's web host: the page and its API, and the OTLP receiver on the standard ports. It runs inside the
/// AppHost (so its buttons can start and stop resources) or alone with no platform (the receiver's tests).
/// </summary>
public static class DashboardServer
{
    public static WebApplication Build(DashboardOptions options, Platform? platform, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Everything the dashboard needs is in its options: an appsettings.json or Kestrel__* variable meant for a
        // service (the AppHost passes those to its children) must not move its ports.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, options.Port, l => l.Protocols = HttpProtocols.Http1);
            kestrel.Listen(System.Net.IPAddress.Loopback, options.OtlpGrpcPort, l => l.Protocols = HttpProtocols.Http2);
            kestrel.Listen(System.Net.IPAddress.Loopback, options.OtlpHttpPort, l => l.Protocols = HttpProtocols.Http1);
            kestrel.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 32 * 1024 * 1024);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new TelemetryStore(options.Telemetry, sp.GetRequiredService<TimeProvider>()));
        if (options.Telemetry.PersistDirectory is { } directory)
            builder.Services.AddSingleton(sp => new TelemetryJournal(directory, options.Telemetry.Retention, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new OtlpIngest(sp.GetRequiredService<TelemetryStore>(),
            sp.GetService<TelemetryJournal>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<MetricQueries>();
        builder.Services.AddSingleton(_ => new BusinessViews(name =>
            platform?.Resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == name)?.GetEndpoint("grpc").Url, options.ServiceCredential));
        if (platform is not null)
        {
            builder.Services.AddSingleton(platform);
            if (platform.Resources.OfType<RabbitMQResource>().FirstOrDefault() is { } rabbit)
            {
                builder.Services.AddSingleton(sp => new BrokerQueues(
                    new BrokerAddress(new Uri(rabbit.ConnectionString), rabbit.IsExternal ? null : new Uri(rabbit.ManagementUrl)),
                    sp.GetRequiredService<TelemetryStore>(), sp.GetRequiredService<TimeProvider>()));
            }
        }
        builder.Services.AddHostedService<DashboardUpkeep>();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        // Each port serves its own endpoints only, decided by the port the connection came in on: a Host header naming
        // the dashboard gets nothing from the OTLP ports (routing's RequireHost goes by that header alone).
        app.Use((context, next) =>
        {
            var port = context.Connection.LocalPort;
            var path = context.Request.Path;
            var otlpGrpc = path.Value?.StartsWith("/opentelemetry.proto.collector.", StringComparison.Ordinal) == true;
            var allowed = port == options.Port ? !path.StartsWithSegments("/v1") && !otlpGrpc
                : port == options.OtlpHttpPort ? path.StartsWithSegments("/v1")
                : port == options.OtlpGrpcPort && otlpGrpc;
            if (allowed) return next(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        app.UseDashboardAuthentication(options);
        app.MapOtlpReceiver(options);
        app.MapDashboard(options);
        return app;
    }

    /// <summary>Replays the journal at start; then drops expired telemetry and polls the broker's queues.</summary>
    private sealed class DashboardUpkeep(IServiceProvider services, TelemetryStore store, ILogger<DashboardUpkeep> logger) : BackgroundService
    {
        public override Task StartAsync(CancellationToken ct)
        {
            if (services.GetService<TelemetryJournal>() is { } journal)
            {
                var replayed = journal.Replay(services.GetRequiredService<OtlpIngest>());
                logger.LogInformation("Replayed {Count} telemetry batches from the journal", replayed);
            }
            return base.StartAsync(ct);
        }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var queues = services.GetService<BrokerQueues>();
            var nextExpiry = DateTime.UtcNow;
            while (!stoppingToken.IsCancellationRequested)
            {
                if (queues is not null)
                {
                    try { await queues.PollAsync(stoppingToken); }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !stoppingToken.IsCancellationRequested)
                    {
                        // The broker is starting, restarting or away: its queues show again on the next poll.
                    }
                }
                if (DateTime.UtcNow >= nextExpiry)
                {
                    store.Expire();
                    nextExpiry = DateTime.UtcNow.AddSeconds(30);
                }
                try { await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken); } catch (OperationCanceledException) { return; }
            }
        }
    }
}
