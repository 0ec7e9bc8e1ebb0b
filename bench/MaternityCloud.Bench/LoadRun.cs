using System.Diagnostics;

namespace MaternityCloud.Bench;

/// <summary>Throughput and latency of one kind of call, driven at a fixed concurrency.</summary>
public sealed record LoadResult(string Name, int Calls, double Seconds, double P50Ms, double P99Ms)
{
    public double PerSecond => Calls / Seconds;
}

public static class LoadRun
{
    /// <summary>Runs <paramref name="call"/> once per item, <paramref name="concurrency"/> at a time, timing each call.</summary>
    public static async Task<LoadResult> RunAsync<T>(string name, IReadOnlyList<T> items, int concurrency, Func<T, Task> call)
    {
        var latencies = new double[items.Count];
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                var started = Stopwatch.GetTimestamp();
                await call(items[i]);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        total.Stop();
        Array.Sort(latencies);
        return new LoadResult(name, items.Count, total.Elapsed.TotalSeconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    /// <summary>The value below which a share <paramref name="p"/> of the sorted values lie (nearest rank).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];
}
