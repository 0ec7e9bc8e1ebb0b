using System.Collections.Concurrent;
using MassTransit;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// Listens on a test's virtual host for one event type, on its own queue bound before the service publishes, and
/// keeps every copy that arrives (so a test can assert "exactly once"). Also publishes like a department adapter.
/// </summary>
public sealed class EventProbe<TEvent> : IAsyncDisposable where TEvent : class, IIntegrationEvent
{
    private readonly IBusControl _bus;
    private readonly ConcurrentQueue<TEvent> _received = new();

    private EventProbe(IBusControl bus) => _bus = bus;

    public IReadOnlyCollection<TEvent> Received => _received;

    public static async Task<EventProbe<TEvent>> StartAsync(Isolation isolation)
    {
        EventProbe<TEvent>? probe = null;
        var bus = await TestBus.StartAsync(isolation.ConnectionStrings["messaging"], cfg =>
            cfg.ReceiveEndpoint($"probe-{typeof(TEvent).Name}-{Guid.NewGuid():N}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<TEvent>(context =>
                {
                    probe!._received.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
            }));
        probe = new EventProbe<TEvent>(bus);
        return probe;
    }

    public Task<TEvent> FirstAsync(Func<TEvent, bool> match, string what) =>
        Eventually.Get(() => Task.FromResult(_received.FirstOrDefault(match)), TimeSpan.FromSeconds(30), what);

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
