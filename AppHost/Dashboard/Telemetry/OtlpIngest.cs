using System.Globalization;
using Google.Protobuf;
using MaternityCloud.AppHost.Dashboard.Otlp.Collector.Logs;
using MaternityCloud.AppHost.Dashboard.Otlp.Collector.Metrics;
using MaternityCloud.AppHost.Dashboard.Otlp.Collector.Trace;
using MaternityCloud.AppHost.Dashboard.Otlp.Common;
using MaternityCloud.AppHost.Dashboard.Otlp.Metrics;
using MaternityCloud.BuildingBlocks.Domain;
using OtlpSpan = MaternityCloud.AppHost.Dashboard.Otlp.Trace.Span;
using OtlpStatus = MaternityCloud.AppHost.Dashboard.Otlp.Trace.Status;

namespace MaternityCloud.AppHost.Dashboard.Telemetry;

public enum SignalKind : byte { Traces = 1, Logs = 2, Metrics = 3 }

/// <summary>
/// Turns OTLP export requests (from the gRPC service, the HTTP endpoint or the journal at start) into the store's
/// records. Every text an operator will read passes the personal-data scrubber here: the platform's services scrub
/// before they export, a foreign sender may not.
/// </summary>
public sealed class OtlpIngest(TelemetryStore store, TelemetryJournal? journal, TimeProvider time)
{
    private readonly AttributePool _pool = new();

    public const string UnknownService = "unknown_service";

    /// <summary>Parses and stores a request's bytes, as received over HTTP or read back from the journal.</summary>
    public void Accept(SignalKind kind, ReadOnlySpan<byte> payload, bool replay = false)
    {
        switch (kind)
        {
            case SignalKind.Traces: Accept(ExportTraceServiceRequest.Parser.ParseFrom(payload), replay); break;
            case SignalKind.Logs: Accept(ExportLogsServiceRequest.Parser.ParseFrom(payload), replay); break;
            case SignalKind.Metrics: Accept(ExportMetricsServiceRequest.Parser.ParseFrom(payload), replay); break;
        }
    }

    public int Accept(ExportTraceServiceRequest request, bool replay = false)
    {
        if (!replay) journal?.Append(SignalKind.Traces, request);
        var spans = new List<Span>();
        foreach (var resource in request.ResourceSpans)
        {
            var service = _pool.Text(ServiceName(resource.Resource?.Attributes));
            foreach (var scope in resource.ScopeSpans)
            {
                var scopeName = _pool.Text(scope.Scope?.Name ?? "");
                foreach (var s in scope.Spans)
                {
                    var start = FromUnixNano(s.StartTimeUnixNano);
                    var durationMs = s.EndTimeUnixNano > s.StartTimeUnixNano ? (s.EndTimeUnixNano - s.StartTimeUnixNano) / 1e6 : 0;
                    spans.Add(new Span(Hex(s.TraceId), Hex(s.SpanId), s.ParentSpanId.IsEmpty ? null : Hex(s.ParentSpanId), service,
                        scopeName, _pool.Text(PersonalData.Scrub(s.Name)), KindName(s.Kind), start, durationMs, StatusName(s.Status),
                        string.IsNullOrEmpty(s.Status?.Message) ? null : PersonalData.Scrub(s.Status.Message), Attributes(s.Attributes),
                        s.Events.Select(e => new SpanEvent(FromUnixNano(e.TimeUnixNano), _pool.Text(e.Name), Attributes(e.Attributes))).ToList()));
                }
            }
        }
        store.AddSpans(spans);
        return spans.Count;
    }

    public int Accept(ExportLogsServiceRequest request, bool replay = false)
    {
        if (!replay) journal?.Append(SignalKind.Logs, request);
        var entries = new List<LogEntry>();
        foreach (var resource in request.ResourceLogs)
        {
            var service = _pool.Text(ServiceName(resource.Resource?.Attributes));
            foreach (var scope in resource.ScopeLogs)
            {
                var scopeName = _pool.Text(scope.Scope?.Name ?? "");
                foreach (var r in scope.LogRecords)
                {
                    var at = r.TimeUnixNano != 0 ? FromUnixNano(r.TimeUnixNano) : r.ObservedTimeUnixNano != 0 ? FromUnixNano(r.ObservedTimeUnixNano) : time.GetUtcNow();
                    var attributes = Attributes(r.Attributes);
                    var message = r.Body is null ? "" : Render(r.Body);
                    if (message.Length == 0) message = attributes.FirstOrDefault(a => a.Key == "{OriginalFormat}")?.Value ?? r.EventName;
                    entries.Add(new LogEntry(0, at, LevelName(r.SeverityNumber, r.SeverityText), r.SeverityNumber, service,
                        scopeName, PersonalData.Scrub(message), r.TraceId.IsEmpty ? null : Hex(r.TraceId),
                        r.SpanId.IsEmpty ? null : Hex(r.SpanId), attributes));
                }
            }
        }
        store.AddLogs(entries);
        return entries.Count;
    }

    public int Accept(ExportMetricsServiceRequest request, bool replay = false)
    {
        if (!replay) journal?.Append(SignalKind.Metrics, request);
        var points = 0;
        foreach (var resource in request.ResourceMetrics)
        {
            var service = ServiceName(resource.Resource?.Attributes);
            foreach (var scope in resource.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    var scopeName = scope.Scope?.Name ?? "";
                    InstrumentInfo Info(InstrumentKind kind, bool monotonic) =>
                        new(service, scopeName, metric.Name, metric.Unit, metric.Description, kind, monotonic, 0);
                    switch (metric.DataCase)
                    {
                        case Metric.DataOneofCase.Gauge:
                            foreach (var p in metric.Gauge.DataPoints) { AddNumber(Info(InstrumentKind.Gauge, false), p, false); points++; }
                            break;
                        case Metric.DataOneofCase.Sum:
                            var cumulative = metric.Sum.AggregationTemporality == AggregationTemporality.Cumulative;
                            foreach (var p in metric.Sum.DataPoints) { AddNumber(Info(InstrumentKind.Sum, metric.Sum.IsMonotonic), p, cumulative); points++; }
                            break;
                        case Metric.DataOneofCase.Histogram:
                            var cumulativeHistogram = metric.Histogram.AggregationTemporality == AggregationTemporality.Cumulative;
                            foreach (var p in metric.Histogram.DataPoints)
                            {
                                store.AddPoint(Info(InstrumentKind.Histogram, true), Attributes(p.Attributes), new MetricPoint(
                                    FromUnixNano(p.TimeUnixNano), p.StartTimeUnixNano, cumulativeHistogram, p.HasSum ? p.Sum : 0, p.Count,
                                    p.HasSum ? p.Sum : 0, p.BucketCounts.ToArray(), p.ExplicitBounds.ToArray()));
                                points++;
                            }
                            break;
                        case Metric.DataOneofCase.Summary:
                            foreach (var p in metric.Summary.DataPoints)
                            {
                                store.AddPoint(Info(InstrumentKind.Summary, true), Attributes(p.Attributes), new MetricPoint(
                                    FromUnixNano(p.TimeUnixNano), p.StartTimeUnixNano, true, p.Sum, p.Count, p.Sum, [], []));
                                points++;
                            }
                            break;
                    }
                }
            }
        }
        return points;
    }

    private void AddNumber(InstrumentInfo info, NumberDataPoint p, bool cumulative)
    {
        var value = p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble;
        store.AddPoint(info, Attributes(p.Attributes),
            new MetricPoint(FromUnixNano(p.TimeUnixNano), p.StartTimeUnixNano, cumulative, value, 0, 0, [], []));
    }

    private static string ServiceName(IEnumerable<KeyValue>? attributes) =>
        attributes?.FirstOrDefault(a => a.Key == "service.name")?.Value is { } v && Render(v) is { Length: > 0 } name ? name : UnknownService;

    private Attribute[] Attributes(IEnumerable<KeyValue> attributes) =>
        attributes.Select(a => _pool.Attribute(a.Key, a.Value is null ? "" : PersonalData.Scrub(Render(a.Value)))).ToArray();

    private static string Render(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Render)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {(kv.Value is null ? "" : Render(kv.Value))}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        _ => "",
    };

    private static string Hex(ByteString id) => Convert.ToHexStringLower(id.Span);

    private static DateTimeOffset FromUnixNano(ulong nanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));

    private static string KindName(OtlpSpan.Types.SpanKind kind) => kind switch
    {
        OtlpSpan.Types.SpanKind.Server => "Server",
        OtlpSpan.Types.SpanKind.Client => "Client",
        OtlpSpan.Types.SpanKind.Producer => "Producer",
        OtlpSpan.Types.SpanKind.Consumer => "Consumer",
        _ => "Internal",
    };

    private static string StatusName(OtlpStatus? status) => status?.Code switch
    {
        OtlpStatus.Types.StatusCode.Error => "Error",
        OtlpStatus.Types.StatusCode.Ok => "Ok",
        _ => "Unset",
    };

    /// <summary>OTLP severity numbers: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal.</summary>
    public static string LevelName(int severityNumber, string severityText) => severityNumber switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => string.IsNullOrEmpty(severityText) ? "Information" : severityText,
    };
}
