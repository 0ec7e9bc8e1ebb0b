using MaternityCloud.BuildingBlocks.Domain;
using System.Text.RegularExpressions;
using MassTransit;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MaternityCloud.BuildingBlocks.Messaging;

public static partial class MessagingExtensions
{
    /// <summary>
    /// Connects the service to RabbitMQ (<c>ConnectionStrings:messaging</c>, an amqp:// URI), runs its outbox relay,
    /// and subscribes its event handlers, each on its own durable queue named "{service}-{handler}".
    /// Requires <c>AddServiceDatabase</c> (the outbox and inbox live in the service's database).
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(
        this IHostApplicationBuilder builder, string serviceName, Action<EventHandlerRegistry>? handlers = null)
    {
        var connectionString = builder.Configuration.GetConnectionString("messaging")
            ?? throw new InvalidOperationException("Connection string 'messaging' is missing: set ConnectionStrings__messaging (the AppHost does).");
        var broker = new Uri(connectionString);

        builder.Services.Configure<MessagingOptions>(builder.Configuration.GetSection("Messaging"));
        var options = builder.Configuration.GetSection("Messaging").Get<MessagingOptions>() ?? new MessagingOptions();

        builder.Services.AddSingleton(new SchemaScripts(typeof(MessagingExtensions).Assembly));
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<ServiceDatabase>();
        builder.Services.AddSingleton<IAuditLog, AuditLog>();
        builder.Services.AddHostedService<OutboxRelay>();

        var registry = new EventHandlerRegistry(builder.Services, serviceName);
        handlers?.Invoke(registry);

        builder.Services.AddMassTransit(bus =>
        {
            foreach (var register in registry.Registrations) register(bus);
            // MassTransit would report its usage to its vendor at start (an outbound call that, with no internet, logs a
            // stack trace in every service): the platform sends nothing anywhere it was not told to.
            bus.DisableUsageTelemetry();

            // Retries live on every receive endpoint; when they are spent MassTransit moves the message to
            // "{queue}_error" with the exception in its headers, where an operator can see and replay it.
            bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                endpoint.UseMessageRetry(r => r.Exponential(
                    options.RetryLimit, options.RetryMinInterval, options.RetryMaxInterval, options.RetryMinInterval));
                if (options.QuorumQueues && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.SetQuorumQueue();
            });

            bus.UsingRabbitMq((context, rabbit) =>
            {
                var (user, password) = Credentials(broker);
                var virtualHost = Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));
                rabbit.Host(broker.Host, (ushort)(broker.IsDefaultPort ? 5672 : broker.Port),
                    virtualHost.Length == 0 ? "/" : virtualHost, h =>
                    {
                        h.Username(user);
                        h.Password(password);
                        h.ConnectionName(serviceName);
                    });
                rabbit.PrefetchCount = (ushort)Math.Clamp(options.ConsumerConcurrency, 1, ushort.MaxValue);
                if (options.QuorumQueues)
                {
                    // A failed message waiting for an operator's replay must survive a broker node as well as its queue did.
                    rabbit.SendTopology.ConfigureErrorSettings = e => e.SetQueueArgument("x-queue-type", "quorum");
                    rabbit.SendTopology.ConfigureDeadLetterSettings = d => d.SetQueueArgument("x-queue-type", "quorum");
                }
                rabbit.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }

    private static (string User, string Password) Credentials(Uri broker)
    {
        var parts = broker.UserInfo.Split(':', 2);
        return parts[0].Length == 0
            ? ("guest", "guest")
            : (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    internal static partial Regex WordBoundary();
}

/// <summary>Collects the service's event handlers; each becomes an inbox consumer on its own queue.</summary>
public sealed class EventHandlerRegistry(IServiceCollection services, string serviceName)
{
    internal List<Action<IBusRegistrationConfigurator>> Registrations { get; } = [];

    public EventHandlerRegistry Handle<TEvent, THandler>()
        where TEvent : class, IIntegrationEvent
        where THandler : class, IIntegrationEventHandler<TEvent>
    {
        services.AddScoped<THandler>();
        var queue = $"{serviceName}-{MessagingExtensions.WordBoundary().Replace(typeof(THandler).Name, "-$1").ToLowerInvariant()}";
        Registrations.Add(bus => bus.AddConsumer<InboxConsumer<TEvent, THandler>>().Endpoint(e => e.Name = queue));
        return this;
    }
}
