using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace MaternityCloud.ServiceDefaults.Telemetry;

/// <summary>
/// Which traces are recorded. A span under a parent follows the parent's decision, so a trace is whole or absent, and a
/// caller that sends a sampled <c>traceparent</c> (a hospital or operator following one call) always gets its trace.
/// A client span with no parent is a background poll (the outbox relay's claim, a dispatcher's pass, a health probe's
/// query): every service makes several a second and each would be a trace of its own, so those are dropped. Every other
/// new trace (a request, a consumed message, a job's own span) is kept at the configured ratio, decided from its trace
/// id: the standard <c>OTEL_TRACES_SAMPLER</c> (<c>parentbased_traceidratio</c>, <c>parentbased_always_on</c>,
/// <c>parentbased_always_off</c>; a plain form is taken as its parent-based form, so a trace stays whole) with
/// <c>OTEL_TRACES_SAMPLER_ARG</c>; unset means every trace.
/// </summary>
public sealed class BackgroundQuerySampler : Sampler
{
    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);
    private readonly Sampler roots;

    public BackgroundQuerySampler(double ratio = 1.0)
    {
        Ratio = Math.Clamp(ratio, 0.0, 1.0);
        roots = new TraceIdRatioBasedSampler(Ratio);
        Description = FormattableString.Invariant($"BackgroundQuerySampler{{{Ratio}}}");
    }

    /// <summary>The share of new traces kept.</summary>
    public double Ratio { get; }

    /// <summary>The sampler the standard variables describe; a value it does not know is an error at start, not a silent default.</summary>
    public static BackgroundQuerySampler FromConfiguration(IConfiguration configuration)
    {
        var name = configuration["OTEL_TRACES_SAMPLER"]?.Trim().ToLowerInvariant();
        var argument = configuration["OTEL_TRACES_SAMPLER_ARG"];
        return name switch
        {
            null or "" or "always_on" or "parentbased_always_on" => new BackgroundQuerySampler(1.0),
            "always_off" or "parentbased_always_off" => new BackgroundQuerySampler(0.0),
            "traceidratio" or "parentbased_traceidratio" => new BackgroundQuerySampler(
                double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r
                : argument is null or "" ? 1.0
                : throw new InvalidOperationException($"OTEL_TRACES_SAMPLER_ARG '{argument}' is not a ratio from 0 to 1")),
            _ => throw new InvalidOperationException(
                $"OTEL_TRACES_SAMPLER '{name}' is not one this platform reads (parentbased_traceidratio, parentbased_always_on, parentbased_always_off)"),
        };
    }

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        if (parameters.ParentContext.TraceId != default)
            return (parameters.ParentContext.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? Keep : Drop;
        if (parameters.Kind == ActivityKind.Client) return Drop;
        return Ratio >= 1.0 ? Keep : roots.ShouldSample(parameters);
    }
}
