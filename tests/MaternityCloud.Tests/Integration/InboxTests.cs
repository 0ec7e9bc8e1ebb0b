using MassTransit;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Integration;

/// <summary>The inbox over real RabbitMQ: duplicates have one effect; a handler that keeps failing ends in the _error queue.</summary>
[Collection(ServersCollection.Name)]
public sealed class InboxTests(TestServers servers) : IAsyncLifetime
{
    private const string Queue = "notifications-record-insured-person-registered";
    private Isolation _isolation = null!;
    private ServiceHost<NotificationsGrpcService> _notifications = null!;
    private IBusControl _bus = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("inbox", "notificationsdb");
        _notifications = new ServiceHost<NotificationsGrpcService>(_isolation);
        _ = _notifications.Server; // start it: its bus declares the queue
        _bus = await TestBus.StartAsync(_isolation.ConnectionStrings["messaging"]);
    }

    public async Task DisposeAsync()
    {
        await _bus.StopAsync();
        await _notifications.DisposeAsync();
    }

    private static InsuredPersonRegistered NewEvent() => new(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), "黄丽娟",
        "Employee", TestData.CreditCode(), new DateOnly(2023, 7, 1), TestData.MobilePhone());

    [Fact]
    public async Task The_same_event_delivered_four_times_including_concurrently_has_one_effect()
    {
        var e = NewEvent();

        // Three copies at once (distinct transport message ids: the inbox keys on the event id), then one more later.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _bus.Publish(e, c => c.MessageId = Guid.NewGuid())));
        await WaitUntilAcknowledgedAsync(Queue, 3);
        await _bus.Publish(e, c => c.MessageId = Guid.NewGuid());
        await WaitUntilAcknowledgedAsync(Queue, 4);

        Assert.Equal(1L, await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM received_event WHERE event_id = $1", e.EventId));
        Assert.Equal(1L, await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM inbox_message WHERE message_id = $1", e.EventId));
        Assert.Equal(1L, await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM recipient WHERE person_id = $1", e.PersonId));
    }

    [Fact]
    public async Task A_message_whose_handler_keeps_failing_is_retried_then_moved_to_the_error_queue_with_no_effect()
    {
        await _isolation.SqlAsync("notificationsdb", "DROP TABLE received_event"); // the handler's second write now fails every time
        var e = NewEvent();

        await _bus.Publish(e);

        await Eventually.True(async () =>
            (await servers.Broker.GetQueueCountsAsync(_isolation.VirtualHost, Queue + "_error", CancellationToken.None)).Ready == 1,
            TimeSpan.FromSeconds(30), "the message in the _error queue");
        var main = await servers.Broker.GetQueueCountsAsync(_isolation.VirtualHost, Queue, CancellationToken.None);
        Assert.Equal(0, main.Ready + main.Unacknowledged);
        // Each attempt rolled back: no recipient, no inbox row, so a replay after the fix will take effect.
        Assert.Equal(0L, await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM recipient WHERE person_id = $1", e.PersonId));
        Assert.Equal(0L, await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM inbox_message WHERE message_id = $1", e.EventId));
    }

    private async Task WaitUntilAcknowledgedAsync(string queue, long acknowledged) =>
        await Eventually.True(async () =>
        {
            var counts = await servers.Broker.GetQueueCountsAsync(_isolation.VirtualHost, queue, CancellationToken.None);
            return counts.Acknowledged >= acknowledged && counts.Ready + counts.Unacknowledged == 0;
        }, TimeSpan.FromSeconds(30), $"{acknowledged} messages acknowledged on {queue}");
}
