using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MaternityCloud.BuildingBlocks.Persistence;

/// <summary>
/// Keeps an in-memory copy of stored data (region parameters, message templates) in step across replicas: loads it
/// before the service takes work (hosted services start in order, so register it before the bus), then reloads it on an
/// interval. A failed reload keeps the loaded copy in use.
/// </summary>
public sealed partial class PeriodicReload(
    string what, Func<CancellationToken, Task> loadFirst, Func<CancellationToken, Task> reload, TimeSpan interval, ILogger<PeriodicReload> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken ct)
    {
        await loadFirst(ct);
        await base.StartAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await reload(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { LogReloadFailed(e, what); }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} could not be reloaded; the loaded versions stay in use")]
    private partial void LogReloadFailed(Exception e, string what);
}

public static class PeriodicReloadExtensions
{
    /// <summary>
    /// Adds a <see cref="PeriodicReload"/>. Not AddHostedService: that keeps one hosted service per implementation type, so
    /// a second reload (templates after region parameters) would silently be dropped.
    /// </summary>
    public static IServiceCollection AddPeriodicReload(this IServiceCollection services, string what, TimeSpan interval,
        Func<IServiceProvider, (Func<CancellationToken, Task> LoadFirst, Func<CancellationToken, Task> Reload)> steps) =>
        services.AddSingleton<IHostedService>(sp =>
        {
            var (loadFirst, reload) = steps(sp);
            return new PeriodicReload(what, loadFirst, reload, interval, sp.GetRequiredService<ILogger<PeriodicReload>>());
        });
}
