namespace MaternityCloud.AppHost.Dashboard.Telemetry;

public sealed record ChartPoint(DateTimeOffset Time, double? Value);

public sealed record ChartSeries(string Label, IReadOnlyList<ChartPoint> Points);

/// <summary>A gRPC method's figures over a window, from rpc.server.call.duration.</summary>
public sealed record MethodStatistics(
    string Service, string Method, double CallsPerSecond, double ErrorsPerSecond, double ErrorRate, long Calls,
    double? P50Ms, double? P95Ms, double? P99Ms);

public enum ChartStatistic { Rate, Last, Mean, P50, P95, P99, ErrorRate }

/// <summary>
/// Rates, percentiles and last values from stored points. Cumulative series are turned into intervals by differencing
/// neighbouring points (a changed start time or a smaller count is a restart: the point counts from zero); delta
/// series are intervals already. Percentiles interpolate linearly inside the bucket that holds the rank.
/// </summary>
public sealed class MetricQueries(TelemetryStore store, TimeProvider time)
{
    public const string RpcDuration = "rpc.server.call.duration";

    public sealed record Interval(DateTimeOffset End, double Value, ulong Count, double Sum, ulong[] Buckets, double[] Bounds, IReadOnlyList<Attribute> Attributes);

    /// <param name="from">
    /// The window's start. A cumulative series' first point has no earlier point to difference against; it counts whole
    /// when its start time (the sender's process start) falls inside the window, since everything it counts happened there.
    /// </param>
    public static IEnumerable<Interval> Intervals(IReadOnlyList<MetricPoint> points, IReadOnlyList<Attribute> attributes, DateTimeOffset from)
    {
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (!p.Cumulative)
            {
                yield return new Interval(p.Time, p.Value, p.Count, p.Sum, p.Buckets, p.Bounds, attributes);
                continue;
            }
            if (i == 0)
            {
                if (DateTimeOffset.UnixEpoch.AddTicks((long)(p.StartUnixNano / 100)) >= from)
                    yield return new Interval(p.Time, p.Value, p.Count, p.Sum, p.Buckets, p.Bounds, attributes);
                continue;
            }
            var previous = points[i - 1];
            var restarted = p.StartUnixNano != previous.StartUnixNano || p.Count < previous.Count || p.Value < previous.Value && p.Count == 0 && previous.Count == 0;
            if (restarted || previous.Buckets.Length != p.Buckets.Length)
            {
                yield return new Interval(p.Time, p.Value, p.Count, p.Sum, p.Buckets, p.Bounds, attributes);
                continue;
            }
            var buckets = new ulong[p.Buckets.Length];
            for (var b = 0; b < buckets.Length; b++) buckets[b] = p.Buckets[b] - previous.Buckets[b];
            yield return new Interval(p.Time, p.Value - previous.Value, p.Count - previous.Count, p.Sum - previous.Sum, buckets, p.Bounds, attributes);
        }
    }

    /// <summary>The q-quantile (0..1) of a histogram's bucket counts, in the instrument's unit.</summary>
    public static double? Percentile(IReadOnlyList<ulong> buckets, IReadOnlyList<double> bounds, double q)
    {
        ulong total = 0;
        foreach (var c in buckets) total += c;
        if (total == 0 || bounds.Count == 0) return null;
        var rank = q * total;
        double seen = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i] == 0) continue;
            if (seen + buckets[i] >= rank)
            {
                var lower = i == 0 ? 0 : bounds[i - 1];
                var upper = i < bounds.Count ? bounds[i] : bounds[^1]; // the overflow bucket reports its lower edge
                return lower + (upper - lower) * ((rank - seen) / buckets[i]);
            }
            seen += buckets[i];
        }
        return bounds[^1];
    }

    private static ulong[] Merge(IEnumerable<Interval> intervals)
    {
        ulong[]? merged = null;
        foreach (var i in intervals)
        {
            if (i.Buckets.Length == 0) continue;
            merged ??= new ulong[i.Buckets.Length];
            if (merged.Length != i.Buckets.Length) continue;
            for (var b = 0; b < merged.Length; b++) merged[b] += i.Buckets[b];
        }
        return merged ?? [];
    }

    /// <summary>Per-method figures for every service over the last <paramref name="window"/>.</summary>
    public IReadOnlyList<MethodStatistics> Methods(TimeSpan window)
    {
        var now = time.GetUtcNow();
        var from = now - window;
        var intervals = store.AllSeries(RpcDuration, from - TimeSpan.FromMinutes(2))
            .SelectMany(s => Intervals(s.Points, s.Attributes, from).Where(i => i.End >= from).Select(i => (s.Service, Interval: i)));
        return intervals
            .GroupBy(x => (x.Service, Method: $"{Get(x.Interval.Attributes, "rpc.service")}/{Get(x.Interval.Attributes, "rpc.method")}"))
            .Select(g =>
            {
                var all = g.Select(x => x.Interval).ToList();
                var calls = all.Aggregate(0UL, (sum, i) => sum + i.Count);
                var errors = all.Where(IsRpcError).Aggregate(0UL, (sum, i) => sum + i.Count);
                var buckets = Merge(all);
                var bounds = all.FirstOrDefault(i => i.Bounds.Length > 0)?.Bounds ?? [];
                double? Ms(double q) => Percentile(buckets, bounds, q) * 1000;
                return new MethodStatistics(g.Key.Service, g.Key.Method, calls / window.TotalSeconds, errors / window.TotalSeconds,
                    calls == 0 ? 0 : (double)errors / calls, (long)calls, Ms(0.5), Ms(0.95), Ms(0.99));
            })
            .Where(m => m.Calls > 0)
            .OrderBy(m => m.Service).ThenBy(m => m.Method)
            .ToList();
    }

    /// <summary>
    /// A chart of one instrument: one line per value of <paramref name="groupBy"/> (attribute keys; "service" for the
    /// sender), <paramref name="points"/> steps over the window.
    /// </summary>
    public IReadOnlyList<ChartSeries> Chart(string? service, string name, TimeSpan window, ChartStatistic statistic, IReadOnlyList<string> groupBy, int points = 60)
    {
        var now = time.GetUtcNow();
        var from = now - window;
        var step = window / points;
        var series = store.AllSeries(name, from - TimeSpan.FromMinutes(2)).Where(s => service is null || s.Service == service).ToList();

        string Label(string seriesService, IReadOnlyList<Attribute> attributes) =>
            groupBy.Count == 0 ? name : string.Join(" ", groupBy.Select(k => k == "service" ? seriesService : Get(attributes, k)).Where(v => v.Length > 0));

        var result = new List<ChartSeries>();
        if (statistic == ChartStatistic.Last)
        {
            foreach (var group in series.GroupBy(s => Label(s.Service, s.Attributes)))
            {
                var line = new List<ChartPoint>();
                for (var t = from + step; t <= now + TimeSpan.FromMilliseconds(1); t += step)
                {
                    // Sum of the group's gauges at that time (e.g. the ready messages of every queue of a service).
                    var values = group.Select(s => s.Points.LastOrDefault(p => p.Time <= t && p.Time > t - step - step)).Where(p => p is not null).ToList();
                    line.Add(new ChartPoint(t, values.Count == 0 ? null : values.Sum(p => p!.Value)));
                }
                result.Add(new ChartSeries(group.Key, line));
            }
            return result.OrderBy(s => s.Label).ToList();
        }

        var intervals = series.SelectMany(s => Intervals(s.Points, s.Attributes, from).Where(i => i.End > from).Select(i => (Label: Label(s.Service, i.Attributes), Interval: i)));
        foreach (var group in intervals.GroupBy(x => x.Label))
        {
            var line = new List<ChartPoint>();
            for (var t = from + step; t <= now + TimeSpan.FromMilliseconds(1); t += step)
            {
                var inStep = group.Where(x => x.Interval.End > t - step && x.Interval.End <= t).Select(x => x.Interval).ToList();
                line.Add(new ChartPoint(t, Compute(inStep, statistic, step)));
            }
            result.Add(new ChartSeries(group.Key, line));
        }
        return result.OrderBy(s => s.Label).ToList();
    }

    private static double? Compute(IReadOnlyList<Interval> intervals, ChartStatistic statistic, TimeSpan step)
    {
        if (intervals.Count == 0) return statistic is ChartStatistic.Rate ? 0 : null;
        var count = intervals.Aggregate(0UL, (sum, i) => sum + i.Count);
        var isHistogram = intervals.Any(i => i.Buckets.Length > 0 || i.Count > 0);
        var bounds = intervals.FirstOrDefault(i => i.Bounds.Length > 0)?.Bounds ?? [];
        return statistic switch
        {
            ChartStatistic.Rate => (isHistogram ? count : intervals.Sum(i => i.Value)) / step.TotalSeconds,
            ChartStatistic.Mean => count == 0 ? null : intervals.Sum(i => i.Sum) / count,
            ChartStatistic.P50 => Percentile(Merge(intervals), bounds, 0.5),
            ChartStatistic.P95 => Percentile(Merge(intervals), bounds, 0.95),
            ChartStatistic.P99 => Percentile(Merge(intervals), bounds, 0.99),
            ChartStatistic.ErrorRate => count == 0 ? null :
                (double)intervals.Where(IsRpcError).Aggregate(0UL, (s, i) => s + i.Count) / count,
            _ => null,
        };
    }

    /// <summary>A call that ended with a gRPC status other than OK (0).</summary>
    private static bool IsRpcError(Interval interval) => Get(interval.Attributes, "rpc.grpc.status_code") is not ("0" or "");

    private static string Get(IReadOnlyList<Attribute> attributes, string key)
    {
        foreach (var a in attributes)
        {
            if (a.Key == key) return a.Value;
        }
        return "";
    }
}
