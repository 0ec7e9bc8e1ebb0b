using System.Net.Http.Json;
using MassTransit;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Contracts.Notifications.V1;
using MaternityCloud.LocalGateway;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.Notifications.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NotificationsClient = MaternityCloud.Contracts.Notifications.V1.Notifications.NotificationsClient;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// Notifications on the real servers with the local gateway in process: Notifications sends through the gateway's
/// HTTP protocols and the gateway reports back to Notifications' callbacks. Events go on the bus as a service would
/// publish them. The clock stands where the test puts it (quiet hours, retries); receipts come only when asked for.
/// </summary>
public sealed class NotificationsPlatform : IAsyncDisposable
{
    public const int RateLimitPerPhone = 5;
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);

    private NotificationsPlatform(Isolation isolation, FixedClock clock)
    {
        Isolation = isolation;
        Clock = clock;
        Gateway = NewGateway();
        Host = new ServiceHost<NotificationsGrpcService>(isolation,
            new Dictionary<string, string>
            {
                ["services:localgateway:http:0"] = "http://localhost",
                ["Notifications:DefaultRegion"] = "330300",
                ["Notifications:DispatchInterval"] = "00:00:00.050",
                ["Notifications:MaxAttempts"] = "3",
                ["Notifications:FirstRetryInterval"] = FirstRetry.ToString(),
                ["Notifications:RateLimit:PerPhone"] = RateLimitPerPhone.ToString(),
                ["Notifications:RateLimit:Window"] = "01:00:00",
            },
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddHttpClient(SmsHttpGateway.Client).ConfigurePrimaryHttpMessageHandler(() => new ToCurrentGateway(this));
                services.AddHttpClient(OfficialAccountHttpGateway.Client).ConfigurePrimaryHttpMessageHandler(() => new ToCurrentGateway(this));
            });
        Client = new NotificationsClient(Host.Channel());
        GatewayHttp = Gateway.CreateClient();
    }

    public Isolation Isolation { get; }
    public FixedClock Clock { get; }
    public ServiceHost<NotificationsGrpcService> Host { get; }
    public ServiceHost<GatewayLog> Gateway { get; private set; }
    public NotificationsClient Client { get; }
    public HttpClient GatewayHttp { get; private set; }
    public IBusControl Bus { get; private set; } = null!;

    /// <summary>Monday 28 September 2026, 10:00 in Beijing: inside working hours.</summary>
    public static readonly DateTimeOffset MorningInBeijing = new(2026, 9, 28, 10, 0, 0, TimeSpan.FromHours(8));

    public static async Task<NotificationsPlatform> StartAsync(TestServers servers, string name)
    {
        var isolation = await servers.CreateIsolationAsync(name, "notificationsdb");
        var platform = new NotificationsPlatform(isolation, new FixedClock(MorningInBeijing));
        _ = platform.Host.Server; // start Notifications (and its consumers) before anything is published
        _ = platform.Gateway.Server;
        platform.Bus = await TestBus.StartAsync(isolation.ConnectionStrings["messaging"]);
        return platform;
    }

    public Task PublishAsync<T>(T e) where T : class, IIntegrationEvent => Bus.Publish(e);

    /// <summary>An insured person known to Notifications (Enrollment's event arrived), with their phone number.</summary>
    public async Task<(string IdNumber, string Phone)> InsuredAsync(string name = "陈丽娟", string? phone = null)
    {
        var idNumber = TestData.IdNumber();
        phone ??= TestData.MobilePhone();
        await PublishAsync(new InsuredPersonRegistered(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), name, "Employee", TestData.CreditCode(),
            new DateOnly(2022, 1, 1), phone, idNumber));
        await Eventually.True(async () => (await Client.GetContactPreferencesAsync(new GetContactPreferencesRequest { IdNumber = idNumber })).MaskedMobilePhone.Length > 0,
            TimeSpan.FromSeconds(20), "the person recorded as a recipient");
        return (idNumber, phone);
    }

    /// <summary>The messages of one person once <paramref name="count"/> of them satisfy <paramref name="ready"/>.</summary>
    public Task<IReadOnlyList<Message>> MessagesAsync(string idNumber, int count, Func<Message, bool>? ready = null, string? what = null) =>
        Eventually.Get<IReadOnlyList<Message>>(async () =>
        {
            var list = (await Client.ListMessagesAsync(new ListMessagesRequest { IdNumber = idNumber })).Messages;
            return list.Count(ready ?? (_ => true)) >= count ? list : null;
        }, TimeSpan.FromSeconds(20), what ?? $"{count} messages for the person");

    /// <summary>What the gateway took for one address (phone number or openid), oldest first.</summary>
    public async Task<IReadOnlyList<GatewayMessage>> GatewayMessagesAsync(string to) =>
        (await GatewayHttp.GetFromJsonAsync<GatewayListing>($"/messages?to={Uri.EscapeDataString(to)}"))!.Messages;

    public async Task<long> GatewayCallsAsync() => (await GatewayHttp.GetFromJsonAsync<GatewayListing>("/messages"))!.Calls;

    public async Task SetFaultAsync(string channel, string mode, int times) =>
        (await GatewayHttp.PostAsJsonAsync("/control/faults", new { channel, mode, remaining = times })).EnsureSuccessStatusCode();

    /// <summary>Stops the local gateway and starts a new one, as a restart of its process does (it forgets what it sent).</summary>
    public async Task RestartGatewayAsync()
    {
        var old = Gateway;
        GatewayHttp.Dispose();
        Gateway = NewGateway();
        _ = Gateway.Server;
        GatewayHttp = Gateway.CreateClient();
        await old.DisposeAsync();
    }

    private ServiceHost<GatewayLog> NewGateway() => new(Isolation,
        new Dictionary<string, string> { ["LocalGateway:AutoReceipts"] = "false", ["services:notifications:http:0"] = "http://localhost" },
        services => services.AddHttpClient(ReceiptSender.Client).ConfigurePrimaryHttpMessageHandler(() => Host!.Server.CreateHandler()));

    /// <summary>Notifications' calls go to whichever gateway runs now, as a fixed address reaches a restarted process.</summary>
    private sealed class ToCurrentGateway(NotificationsPlatform platform) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            new HttpMessageInvoker(platform.Gateway.Server.CreateHandler()).SendAsync(request, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Bus.StopAsync();
        GatewayHttp.Dispose();
        await Host.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}

public sealed record GatewayListing(long Calls, List<GatewayMessage> Messages);

public sealed record GatewayMessage(string Channel, string GatewayMessageId, string ClientMessageId, string To, string? SignName, string? TemplateCode,
    string Text, Dictionary<string, string> Fields, string? Url);
