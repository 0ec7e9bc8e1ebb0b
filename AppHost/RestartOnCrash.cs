using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MaternityCloud.AppHost;

/// <summary>Marks a resource to be started again when its process dies of a crash.</summary>
public sealed class RestartOnCrashAnnotation : IResourceAnnotation;

/// <summary>
/// A platform service that crashes (its process ends with a positive exit code: 137 after kill -9, 134 after an abort,
/// 1 after a failed start) is started again after a backoff (1 s, doubling to 30 s; reset once it has run a minute), as
/// Kubernetes' restartPolicy would. Aspire 13.6 has no restart policy for processes. A resource an operator stopped
/// (it passes through "Stopping" first) stays stopped, and nothing restarts while the AppHost shuts down.
/// </summary>
public sealed class RestartOnCrash(ResourceNotificationService notifications, ResourceCommandService commands,
    IHostApplicationLifetime lifetime, ILogger<RestartOnCrash> logger) : BackgroundService
{
    private static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, (DateTime? HandledStop, int Restarts, DateTime LastStart)> _crashes = [];
    private readonly HashSet<string> _stopping = [];

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var e in notifications.WatchAsync(ct))
            {
                if (!e.Resource.Annotations.OfType<RestartOnCrashAnnotation>().Any() || lifetime.ApplicationStopping.IsCancellationRequested) continue;
                var snapshot = e.Snapshot;
                var state = snapshot.State?.Text;
                if (state == KnownResourceStates.Stopping) _stopping.Add(e.ResourceId);
                else if (state == KnownResourceStates.Starting || state == KnownResourceStates.Running) _stopping.Remove(e.ResourceId);
                if (state != KnownResourceStates.Finished || snapshot.ExitCode is not > 0 || _stopping.Contains(e.ResourceId)) continue;
                _crashes.TryGetValue(e.ResourceId, out var seen);
                if (seen.HandledStop == snapshot.StopTimeStamp) continue; // the same crash, reported again
                var restarts = DateTime.UtcNow - seen.LastStart > TimeSpan.FromMinutes(1) ? 0 : seen.Restarts;
                var backoff = TimeSpan.FromSeconds(Math.Min(MaximumBackoff.TotalSeconds, Math.Pow(2, restarts)));
                _crashes[e.ResourceId] = (snapshot.StopTimeStamp, restarts + 1, DateTime.UtcNow + backoff);
                logger.LogWarning("{Resource} exited with code {ExitCode}; starting it again in {Backoff} s (restart {Restart})",
                    e.ResourceId, snapshot.ExitCode, backoff.TotalSeconds, restarts + 1);
                _ = StartLaterAsync(e.ResourceId, backoff, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private async Task StartLaterAsync(string resourceId, TimeSpan backoff, CancellationToken ct)
    {
        try
        {
            await Task.Delay(backoff, ct);
            if (lifetime.ApplicationStopping.IsCancellationRequested) return;
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, ct);
            if (!result.Success) logger.LogError("{Resource} could not be started again: {Reason}", resourceId, result.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }
}

public static class RestartOnCrashExtensions
{
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> resource) where T : IResource
    {
        if (!resource.ApplicationBuilder.Services.Any(s => s.ImplementationType == typeof(RestartOnCrash)))
            resource.ApplicationBuilder.Services.AddHostedService<RestartOnCrash>();
        return resource.WithAnnotation(new RestartOnCrashAnnotation());
    }
}
