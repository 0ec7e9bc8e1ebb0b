using System.Diagnostics;
using OpenTelemetry.Trace;

namespace MaternityCloud.ServiceDefaults.Telemetry;

/// <summary>
/// Keeps the traces an operator reads first about work someone asked for. A client span with no parent is a background
/// poll (the outbox relay's claim, a dispatcher's pass, a health probe's query): every service makes several a second,
/// and each would be a trace of its own in the dashboard. Those are dropped; everything under a request, a consumed
/// message or a job's own span is kept, as is every span whose caller asked for it to be recorded.
/// </summary>
public sealed class BackgroundQuerySampler : Sampler
{
    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        if (parameters.ParentContext.TraceId != default)
            return (parameters.ParentContext.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? Keep : Drop;
        return parameters.Kind == ActivityKind.Client ? Drop : Keep;
    }
}
