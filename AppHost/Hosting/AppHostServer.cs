using System.Text.Json;
using System.Text.Json.Serialization;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// Runs the platform inside a web host: the host's lifetime turns Ctrl-C and SIGTERM into an orderly stop of every
/// resource, and the same host serves the resource list as JSON at /api/resources.
/// </summary>
public static class AppHostServer
{
    public static async Task RunAsync(Platform platform, int apiPort, ConsoleReporter reporter)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{apiPort}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
        builder.Services.AddSingleton(platform);
        builder.Services.AddSingleton(reporter);
        builder.Services.AddHostedService<PlatformLifetime>();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppHostJson.Default);
        });

        var app = builder.Build();
        app.MapGet("/api/resources", (Platform p) => p.Snapshot());
        app.MapGet("/", (Platform p) => Results.Text(ConsoleReporter.Render(p.Snapshot())));
        await app.RunAsync();
    }

    private sealed class PlatformLifetime(Platform platform, ConsoleReporter reporter) : IHostedService
    {
        private readonly CancellationTokenSource _reporting = new();
        private Task _reporter = Task.CompletedTask;

        public async Task StartAsync(CancellationToken ct)
        {
            await platform.StartAsync(ct);
            var apiUrl = $"http://127.0.0.1:{platform.ApiPort}";
            _reporter = Task.Run(() => reporter.RunAsync(platform, apiUrl, _reporting.Token), CancellationToken.None);
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
