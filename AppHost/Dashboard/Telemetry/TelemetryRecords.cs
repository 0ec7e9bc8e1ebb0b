namespace MaternityCloud.AppHost.Dashboard.Telemetry;

/// <summary>An attribute as the dashboard shows it: OTLP's typed values rendered once, at receipt.</summary>
public sealed record Attribute(string Key, string Value);

public sealed record SpanEvent(DateTimeOffset Time, string Name, IReadOnlyList<Attribute> Attributes);

/// <summary>One span, in the units an operator reads (milliseconds, hex ids, the sending service's name).</summary>
public sealed record Span(
    string TraceId, string SpanId, string? ParentSpanId, string Service, string Scope, string Name, string Kind,
    DateTimeOffset Start, double DurationMs, string Status, string? StatusMessage,
    IReadOnlyList<Attribute> Attributes, IReadOnlyList<SpanEvent> Events)
{
    public bool IsError => Status == "Error";
}

/// <summary>A trace in the list: its root (or earliest) span, its extent and whether any span failed.</summary>
public sealed record TraceSummary(
    string TraceId, string Name, string Service, DateTimeOffset Start, double DurationMs, int SpanCount, int ErrorCount,
    IReadOnlyList<string> Services);

public sealed record LogEntry(
    long Sequence, DateTimeOffset Time, string Level, int SeverityNumber, string Service, string Category, string Message,
    string? TraceId, string? SpanId, IReadOnlyList<Attribute> Attributes);

public enum InstrumentKind { Gauge, Sum, Histogram, Summary }

/// <summary>
/// One received data point. Sums carry <see cref="Value"/>; histograms carry count, sum and bucket counts against
/// <see cref="Bounds"/>. <see cref="Cumulative"/> says whether values run from a fixed start (reset when
/// <see cref="StartUnixNano"/> changes) or are this interval's alone.
/// </summary>
public sealed record MetricPoint(
    DateTimeOffset Time, ulong StartUnixNano, bool Cumulative, double Value, ulong Count, double Sum,
    ulong[] Buckets, double[] Bounds);

public sealed record InstrumentInfo(string Service, string Scope, string Name, string Unit, string Description, InstrumentKind Kind, bool Monotonic, int SeriesCount);
