using System.Diagnostics;

namespace MaternityCloud.Bench;

/// <summary>Throughput and latency of one kind of call.</summary>
public sealed record LoadResult(string Name, int Calls, double Seconds, double P50Ms, double P95Ms, double P99Ms)
{
    public double PerSecond => Calls / Seconds;
}

public static class LoadRun
{
    /// <summary>Runs <paramref name="call"/> once per item, <paramref name="concurrency"/> at a time, timing each call (closed loop: the peak).</summary>
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
        return Result(name, latencies, total.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Starts one call per item at a steady <paramref name="perSecond"/> (open loop), whatever the calls before it are
    /// doing. Each latency counts from when the call was due, not when it left, so a stall shows in every call that
    /// waited behind it (no coordinated omission).
    /// </summary>
    public static async Task<LoadResult> AtRateAsync<T>(string name, IReadOnlyList<T> items, double perSecond, Func<T, Task> call)
    {
        var latencies = new double[items.Count];
        var calls = new Task[items.Count];
        var start = Stopwatch.GetTimestamp();
        var ticksPerCall = Stopwatch.Frequency / perSecond;
        for (var i = 0; i < items.Count; i++)
        {
            var due = start + (long)(i * ticksPerCall);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            var index = i;
            calls[i] = Task.Run(async () =>
            {
                await call(items[index]);
                latencies[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
            });
        }
        await Task.WhenAll(calls);
        return Result(name, latencies, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static LoadResult Result(string name, double[] latencies, double seconds)
    {
        Array.Sort(latencies);
        return new LoadResult(name, latencies.Length, seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99));
    }

    /// <summary>The value below which a share <paramref name="p"/> of the sorted values lie (nearest rank).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];
}
