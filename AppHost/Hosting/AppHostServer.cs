using System.Text.Json;
using System.Text.Json.Serialization;
using MaternityCloud.AppHost.Dashboard;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// Runs the platform inside the dashboard's web host: the host's lifetime turns Ctrl-C and SIGTERM into an orderly stop
/// of every resource, and the same host serves the operators' dashboard, its API (/api/resources, ...) and the OTLP
/// receiver the services export to.
/// </summary>
public static class AppHostServer
{
    public static async Task RunAsync(Platform platform, DashboardOptions dashboard, ConsoleReporter reporter)
    {
        var app = DashboardServer.Build(dashboard, platform, services =>
        {
            services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
            services.AddSingleton(reporter);
            services.AddHostedService<PlatformLifetime>();
            services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppHostJson.Default));
        });
        await app.RunAsync();
    }

    private sealed class PlatformLifetime(Platform platform, DashboardOptions dashboard, ConsoleReporter reporter, IHostApplicationLifetime lifetime)
        : IHostedService
    {
        private readonly CancellationTokenSource _reporting = new();
        private Task _reporter = Task.CompletedTask;

        public async Task StartAsync(CancellationToken ct)
        {
            // Like Aspire: the sign-in link is printed once, when the dashboard listens; nothing on it is served without it.
            lifetime.ApplicationStarted.Register(() =>
            {
                platform.Context.Progress($"dashboard: {dashboard.LoginUrl}");
                platform.Context.Progress($"OTLP receiver: grpc {dashboard.OtlpGrpcUrl}, http/protobuf {dashboard.OtlpHttpUrl}" +
                    (dashboard.OtlpApiKey is { Length: > 0 } key ? $" (header {Dashboard.Telemetry.OtlpReceiver.ApiKeyHeader}={key})" : ""));
            });
            await platform.StartAsync(ct);
            _reporter = Task.Run(() => reporter.RunAsync(platform, dashboard.LoginUrl, _reporting.Token), CancellationToken.None);
        }

        public async Task StopAsync(CancellationToken ct)
        {
            await _reporting.CancelAsync();
            await _reporter;
            await platform.StopAsync();
        }
    }
}

[JsonSerializable(typeof(IReadOnlyList<ResourceSnapshot>))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class AppHostJson : JsonSerializerContext;
