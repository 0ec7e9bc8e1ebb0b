using MaternityCloud.Notifications.Infrastructure;

namespace MaternityCloud.Notifications.Application;

/// <summary>
/// Seeds the shipped templates before the service takes events, then keeps the catalog in step with versions other
/// replicas publish.
/// </summary>
public sealed partial class TemplateLoader(TemplateStore store, ShippedTemplates shipped, ILogger<TemplateLoader> logger) : BackgroundService
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    public override async Task StartAsync(CancellationToken ct)
    {
        await store.SeedShippedAsync(shipped.Templates, ct);
        await store.ReloadAsync(ct);
        await base.StartAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await store.ReloadAsync(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { LogReloadFailed(e); }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Templates could not be reloaded; the loaded versions stay in use")]
    private partial void LogReloadFailed(Exception e);
}
