using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MaternityCloud.Bench;

/// <summary>
/// The floor for the event pipeline's lag: raw RabbitMQ.Client on the platform's broker, persistent messages to a durable
/// queue, each publish confirmed by the broker, consumed and acknowledged one by one, at a steady rate. The lag is from
/// the publish call to the consumer having the message.
/// </summary>
public static class RawRabbitBaseline
{
    public static async Task<LoadResult> RunAsync(Uri amqp, int count, double perSecond)
    {
        var factory = new ConnectionFactory { Uri = amqp };
        await using var connection = await factory.CreateConnectionAsync("bench-raw-baseline");
        await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await using var consumerChannel = await connection.CreateChannelAsync();
        var queue = "bench-raw-baseline-" + Guid.NewGuid().ToString("N")[..8];
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await consumerChannel.BasicQosAsync(0, 16, false);

        var lags = new double[count];
        var received = 0;
        var all = new TaskCompletionSource();
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var index = BitConverter.ToInt32(delivery.Body.Span[..4]);
            var publishedAt = BitConverter.ToInt64(delivery.Body.Span[4..12]);
            lags[index] = Stopwatch.GetElapsedTime(publishedAt).TotalMilliseconds;
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref received) == count) all.TrySetResult();
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

        var properties = new BasicProperties { Persistent = true, ContentType = "application/octet-stream" };
        var clock = Stopwatch.StartNew();
        await LoadRun.AtRateAsync("raw RabbitMQ.Client", Enumerable.Range(0, count).ToList(), perSecond, async i =>
        {
            var body = new byte[1024]; // about the size of a SettlementCompleted in its MassTransit envelope
            BitConverter.TryWriteBytes(body.AsSpan(0, 4), i);
            BitConverter.TryWriteBytes(body.AsSpan(4, 8), Stopwatch.GetTimestamp());
            await publisher.BasicPublishAsync("", queue, mandatory: false, properties, body);
        });
        try { await all.Task.WaitAsync(TimeSpan.FromMinutes(2)); }
        catch (TimeoutException e)
        {
            var state = await publisher.QueueDeclarePassiveAsync(queue);
            throw new TimeoutException($"raw RabbitMQ.Client: {Volatile.Read(ref received)} of {count} consumed after two minutes; the queue holds {state.MessageCount} ready for {state.ConsumerCount} consumers, the consumer's channel is {(consumerChannel.IsOpen ? "open" : "closed: " + consumerChannel.CloseReason)}", e);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        await publisher.QueueDeleteAsync(queue);
        Array.Sort(lags);
        return new LoadResult("raw RabbitMQ.Client", count, seconds, LoadRun.Percentile(lags, 0.50), LoadRun.Percentile(lags, 0.95), LoadRun.Percentile(lags, 0.99));
    }
}
