using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Notifications.Application;
using MaternityCloud.Notifications.Infrastructure;

namespace MaternityCloud.Notifications;

public static class NotificationsExtensions
{
    /// <summary>The shipped wording and templates, the catalog of versions in force, and the planner that renders notices.</summary>
    public static IHostApplicationBuilder AddTemplates(this IHostApplicationBuilder builder)
    {
        var shipped = ShippedTemplates.Load();
        builder.Services.AddSingleton(shipped);
        builder.Services.AddSingleton(shipped.Terms);
        builder.Services.AddSingleton<TemplateCatalog>();
        builder.Services.AddSingleton<TemplateStore>();
        builder.Services.AddSingleton<DispatchSignal>();
        builder.Services.AddSingleton<NoticePlanner>();
        builder.Services.Configure<NotificationOptions>(builder.Configuration.GetSection("Notifications"));
        // Before the bus starts: no event is handled before the templates are there.
        builder.Services.AddPeriodicReload("Message templates", TimeSpan.FromSeconds(5), sp =>
        {
            var store = sp.GetRequiredService<TemplateStore>();
            return (async ct =>
            {
                await store.SeedShippedAsync(shipped.Templates, ct);
                await store.ReloadAsync(ct);
            }, store.ReloadAsync);
        });
        return builder;
    }

    /// <summary>
    /// The gateways (Notifications:Sms, Notifications:OfficialAccount), the per-phone rate limit (Notifications:RateLimit),
    /// the message store and the dispatcher.
    /// </summary>
    public static IHostApplicationBuilder AddMessageGateways(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<SmsGatewayOptions>(builder.Configuration.GetSection("Notifications:Sms"));
        builder.Services.Configure<OfficialAccountOptions>(builder.Configuration.GetSection("Notifications:OfficialAccount"));
        builder.Services.Configure<RateLimitOptions>(builder.Configuration.GetSection("Notifications:RateLimit"));
        // Without the default resilience handler: the dispatcher owns retries (backoff, then a failure an operator sees),
        // and a hidden retry inside one attempt would hand the gateway the same message several times per attempt.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt one client out
        builder.Services.AddHttpClient(SmsHttpGateway.Client, http => http.Timeout = TimeSpan.FromSeconds(10)).RemoveAllResilienceHandlers();
        builder.Services.AddHttpClient(OfficialAccountHttpGateway.Client, http => http.Timeout = TimeSpan.FromSeconds(10)).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton<IMessageGateway, SmsHttpGateway>();
        builder.Services.AddSingleton<IMessageGateway, OfficialAccountHttpGateway>();
        builder.Services.AddSingleton<PhoneRateLimiter>();
        builder.Services.AddSingleton<MessageStore>();
        builder.Services.AddHostedService<MessageDispatcher>();
        return builder;
    }
}
