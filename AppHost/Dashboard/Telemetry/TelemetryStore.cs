namespace MaternityCloud.AppHost.Dashboard.Telemetry;

/// <summary>
/// Everything the receiver has taken in, bounded: traces (whole traces are dropped, oldest first, beyond
/// <see cref="TelemetryOptions.MaxSpans"/>), structured logs and metric series, each also dropped after the retention.
/// One lock: writes are batches from exporters every second or so, reads are an operator's page refreshes.
/// </summary>
public sealed class TelemetryStore(TelemetryOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TraceEntry> _traceOrder = new();
    private readonly Dictionary<string, LinkedListNode<TraceEntry>> _traces = new(StringComparer.Ordinal);
    private readonly Ring<LogEntry> _logs = new(options.MaxLogs);
    private readonly Dictionary<(string Service, string Name), InstrumentEntry> _instruments = new();
    private readonly SortedSet<string> _services = new(StringComparer.Ordinal); // the senders with telemetry held, for the filters
    private int _spanCount;
    private int _seriesCount;
    private long _logSequence;

    private sealed class TraceEntry(string traceId, DateTimeOffset received)
    {
        public string TraceId { get; } = traceId;
        public List<Span> Spans { get; } = [];
        public DateTimeOffset Received { get; set; } = received;
    }

    private sealed class InstrumentEntry(InstrumentInfo info)
    {
        public InstrumentInfo Info { get; } = info;
        public Dictionary<string, MetricSeries> Series { get; } = new(StringComparer.Ordinal);
    }

    public int SpanCount { get { lock (_gate) return _spanCount; } }

    public void AddSpans(IEnumerable<Span> spans)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var span in spans)
            {
                if (!_traces.TryGetValue(span.TraceId, out var node))
                {
                    node = _traceOrder.AddLast(new TraceEntry(span.TraceId, now));
                    _traces[span.TraceId] = node;
                }
                node.Value.Spans.Add(span);
                node.Value.Received = now;
                _services.Add(span.Service);
                _spanCount++;
            }
            while (_spanCount > options.MaxSpans && _traceOrder.First is { } oldest) RemoveTrace(oldest);
        }
    }

    private void RemoveTrace(LinkedListNode<TraceEntry> node)
    {
        _traceOrder.Remove(node);
        _traces.Remove(node.Value.TraceId);
        _spanCount -= node.Value.Spans.Count;
    }

    public void AddLogs(IEnumerable<LogEntry> entries)
    {
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                _logs.Add(entry with { Sequence = ++_logSequence });
                _services.Add(entry.Service);
            }
        }
    }

    public void AddPoint(InstrumentInfo info, IReadOnlyList<Attribute> attributes, MetricPoint point)
    {
        var key = string.Join('\u001f', attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value));
        lock (_gate)
        {
            if (!_instruments.TryGetValue((info.Service, info.Name), out var instrument))
            {
                _instruments[(info.Service, info.Name)] = instrument = new InstrumentEntry(info);
                _services.Add(info.Service);
            }
            if (!instrument.Series.TryGetValue(key, out var series))
            {
                if (_seriesCount >= options.MaxSeries) return; // a runaway cardinality must not take the memory
                instrument.Series[key] = series = new MetricSeries(attributes, options.MaxPointsPerSeries);
                _seriesCount++;
                // A cumulative series that appears after its instrument already reported (the first refused call of a
                // method, say) counted from zero since that report: a zero baseline lets its first value be a rate.
                // An instrument's very first report has no such baseline: the process may have run for hours before.
                if (point.Cumulative && instrument.Series.Count > 1)
                    series.Points.Add(point with { Time = point.Time.AddTicks(-1), Value = 0, Count = 0, Sum = 0, Buckets = new ulong[point.Buckets.Length] });
            }
            series.Points.Add(point);
        }
    }

    /// <summary>Drops what is older than the retention (run periodically).</summary>
    public void Expire()
    {
        var cutoff = time.GetUtcNow() - options.Retention;
        lock (_gate)
        {
            while (_traceOrder.First is { } oldest && oldest.Value.Received < cutoff) RemoveTrace(oldest);
            _logs.TrimOldestWhile(l => l.Time < cutoff);
            foreach (var instrument in _instruments.Values)
            {
                foreach (var (key, series) in instrument.Series.ToList())
                {
                    series.Points.TrimOldestWhile(p => p.Time < cutoff);
                    if (series.Points.Count > 0) continue;
                    instrument.Series.Remove(key);
                    _seriesCount--;
                }
            }
            // A sender whose telemetry has all gone leaves the filters too.
            _services.Clear();
            _services.UnionWith(_traces.Values.SelectMany(t => t.Value.Spans.Select(s => s.Service)));
            _services.UnionWith(_logs.OldestFirst().Select(l => l.Service));
            _services.UnionWith(_instruments.Where(i => i.Value.Series.Count > 0).Select(i => i.Key.Service));
        }
    }

    public IReadOnlyList<TraceSummary> Traces(TraceQuery query)
    {
        lock (_gate)
        {
            var found = new List<TraceSummary>();
            for (var node = _traceOrder.Last; node is not null && found.Count < query.Limit; node = node.Previous)
            {
                var summary = Summarize(node.Value);
                if (query.Matches(summary, node.Value.Spans)) found.Add(summary);
            }
            return found.OrderByDescending(t => t.Start).ToList();
        }
    }

    public IReadOnlyList<Span>? Trace(string traceId)
    {
        lock (_gate)
        {
            return _traces.TryGetValue(traceId, out var node) ? node.Value.Spans.OrderBy(s => s.Start).ToList() : null;
        }
    }

    private static TraceSummary Summarize(TraceEntry trace)
    {
        var ids = trace.Spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var root = trace.Spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.Start) ?? trace.Spans.MinBy(s => s.Start)!;
        var start = trace.Spans.Min(s => s.Start);
        var end = trace.Spans.Max(s => s.Start.AddMilliseconds(s.DurationMs));
        return new TraceSummary(trace.TraceId, root.Name, root.Service, start, (end - start).TotalMilliseconds, trace.Spans.Count,
            trace.Spans.Count(s => s.IsError), trace.Spans.Select(s => s.Service).Distinct().Order().ToList());
    }

    public IReadOnlyList<LogEntry> Logs(LogQuery query)
    {
        lock (_gate)
        {
            var found = new List<LogEntry>();
            foreach (var entry in _logs.NewestFirst())
            {
                if (entry.Sequence <= query.AfterSequence || found.Count >= query.Limit) break;
                if (query.Matches(entry)) found.Add(entry);
            }
            return found;
        }
    }

    public IReadOnlyList<string> Services()
    {
        lock (_gate) return [.. _services];
    }

    public IReadOnlyList<InstrumentInfo> Instruments()
    {
        lock (_gate)
        {
            return _instruments.Values.Select(i => i.Info with { SeriesCount = i.Series.Count })
                .OrderBy(i => i.Service).ThenBy(i => i.Name).ToList();
        }
    }

    /// <summary>Every service's series of one instrument name (e.g. rpc.server.call.duration across the platform).</summary>
    public IReadOnlyList<(string Service, IReadOnlyList<Attribute> Attributes, IReadOnlyList<MetricPoint> Points)> AllSeries(string name, DateTimeOffset since)
    {
        lock (_gate)
        {
            return _instruments.Where(i => i.Key.Name == name)
                .SelectMany(i => i.Value.Series.Values.Select(s =>
                    (i.Key.Service, (IReadOnlyList<Attribute>)s.Attributes, (IReadOnlyList<MetricPoint>)s.Points.OldestFirst().Where(p => p.Time >= since).ToList())))
                .ToList();
        }
    }

    private sealed class MetricSeries(IReadOnlyList<Attribute> attributes, int capacity)
    {
        public IReadOnlyList<Attribute> Attributes { get; } = attributes;
        public Ring<MetricPoint> Points { get; } = new(capacity);
    }
}

public sealed record TraceQuery(string? Service = null, string? Text = null, double? MinDurationMs = null, bool ErrorsOnly = false, int Limit = 200)
{
    public bool Matches(TraceSummary summary, IReadOnlyList<Span> spans) =>
        (Service is null || summary.Services.Contains(Service)) &&
        (!ErrorsOnly || summary.ErrorCount > 0) &&
        (MinDurationMs is null || summary.DurationMs >= MinDurationMs) &&
        (Text is null || summary.TraceId.StartsWith(Text, StringComparison.OrdinalIgnoreCase) ||
         spans.Any(s => s.Name.Contains(Text, StringComparison.OrdinalIgnoreCase) ||
                        s.Attributes.Any(a => a.Value.Contains(Text, StringComparison.OrdinalIgnoreCase))));
}

public sealed record LogQuery(string? Service = null, int MinSeverity = 0, string? Text = null, string? TraceId = null, long AfterSequence = 0, int Limit = 500)
{
    public bool Matches(LogEntry entry) =>
        (Service is null || entry.Service == Service) &&
        entry.SeverityNumber >= MinSeverity &&
        (TraceId is null || string.Equals(entry.TraceId, TraceId, StringComparison.OrdinalIgnoreCase)) &&
        (Text is null || entry.Message.Contains(Text, StringComparison.OrdinalIgnoreCase) || entry.Category.Contains(Text, StringComparison.OrdinalIgnoreCase));
}
