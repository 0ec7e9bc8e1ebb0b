namespace MaternityCloud.AppHost.Dashboard.Telemetry;

/// <summary>
/// How much telemetry the dashboard keeps. Memory is bounded by the counts whatever the rate; the retention drops
/// older data even below them. With <see cref="PersistDirectory"/> set, every received batch is also appended to an
/// hourly file there and replayed at start, so a restart keeps the last <see cref="Retention"/>.
/// </summary>
public sealed record TelemetryOptions
{
    public TimeSpan Retention { get; init; } = TimeSpan.FromHours(2);
    public int MaxSpans { get; init; } = 100_000;
    public int MaxLogs { get; init; } = 100_000;
    public int MaxPointsPerSeries { get; init; } = 1_500;
    public int MaxSeries { get; init; } = 20_000;
    public string? PersistDirectory { get; init; }
}
