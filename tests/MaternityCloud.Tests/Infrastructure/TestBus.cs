using MassTransit;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>A bare MassTransit bus on a test's virtual host, to put messages on the wire the way a service would.</summary>
public static class TestBus
{
    public static async Task<IBusControl> StartAsync(string amqpConnectionString, Action<IRabbitMqBusFactoryConfigurator>? configure = null)
    {
        var uri = new Uri(amqpConnectionString);
        var virtualHost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(uri.Host, (ushort)uri.Port, virtualHost.Length == 0 ? "/" : virtualHost, h =>
            {
                h.Username("guest");
                h.Password("guest");
            });
            configure?.Invoke(cfg);
        });
        await bus.StartAsync();
        return bus;
    }
}
