using System.Diagnostics;
using System.Diagnostics.Metrics;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace MaternityCloud.ServiceDefaults.Redis;

/// <summary>
/// Redis calls as a metric (db.client.operation.duration with db.system.name=redis, the instrument Npgsql uses for
/// PostgreSQL), so the dashboard charts both side by side. StackExchange.Redis has no meter and the OpenTelemetry
/// instrumentation package does not restore here; its profiler records every command into a session, which this
/// drains every two seconds into the histogram.
/// </summary>
public sealed class RedisCommandMetrics : IDisposable
{
    public const string MeterName = "MaternityCloud.Redis";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "db.client.operation.duration", "s", "Time of each Redis command",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });

    private ProfilingSession _session = new();
    private readonly Timer _drain;

    public RedisCommandMetrics(IConnectionMultiplexer connection)
    {
        connection.RegisterProfiler(() => Volatile.Read(ref _session));
        _drain = new Timer(_ => Drain(), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    private void Drain()
    {
        var finished = Interlocked.Exchange(ref _session, new ProfilingSession());
        foreach (var command in finished.FinishProfiling())
        {
            Duration.Record(command.ElapsedTime.TotalSeconds, new TagList
            {
                { "db.system.name", "redis" },
                { "db.operation.name", command.Command },
            });
        }
    }

    public void Dispose()
    {
        _drain.Dispose();
        Drain();
    }

    /// <summary>Owns the metrics of the service's connection, so the container disposes them with it.</summary>
    public sealed class Registration : IDisposable
    {
        private RedisCommandMetrics? _metrics;

        public void Attach(IConnectionMultiplexer connection) => _metrics ??= new RedisCommandMetrics(connection);

        public void Dispose() => _metrics?.Dispose();
    }
}
