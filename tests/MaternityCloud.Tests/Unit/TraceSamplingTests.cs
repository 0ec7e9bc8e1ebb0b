using System.Diagnostics;
using MaternityCloud.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace MaternityCloud.Tests.Unit;

/// <summary>Which traces the services keep: the standard sampler variables, a trace whole or absent, background polls never.</summary>
public sealed class TraceSamplingTests
{
    private static BackgroundQuerySampler From(string? sampler, string? argument) =>
        BackgroundQuerySampler.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_TRACES_SAMPLER"] = sampler,
            ["OTEL_TRACES_SAMPLER_ARG"] = argument,
        }).Build());

    private static SamplingDecision Decide(Sampler sampler, ActivityKind kind, ActivityContext parent = default) =>
        sampler.ShouldSample(new SamplingParameters(parent, ActivityTraceId.CreateRandom(), "span", kind)).Decision;

    [Theory]
    [InlineData(null, null, 1.0)]
    [InlineData("always_on", null, 1.0)]
    [InlineData("parentbased_always_on", null, 1.0)]
    [InlineData("parentbased_always_off", null, 0.0)]
    [InlineData("parentbased_traceidratio", "0.1", 0.1)]
    [InlineData("traceidratio", "0.25", 0.25)]
    [InlineData("ParentBased_TraceIdRatio", "", 1.0)]
    public void The_standard_variables_set_the_share_of_new_traces(string? sampler, string? argument, double ratio) =>
        Assert.Equal(ratio, From(sampler, argument).Ratio);

    [Theory]
    [InlineData("parentbased_traceidratio", "1.5")]
    [InlineData("parentbased_traceidratio", "a tenth")]
    [InlineData("jaeger_remote", null)]
    public void A_sampler_setting_the_platform_does_not_read_stops_the_start(string sampler, string? argument) =>
        Assert.Throws<InvalidOperationException>(() => From(sampler, argument));

    [Fact]
    public void About_the_configured_share_of_new_traces_is_kept_and_background_polls_never()
    {
        var sampler = From("parentbased_traceidratio", "0.1");
        var kept = Enumerable.Range(0, 20_000).Count(_ => Decide(sampler, ActivityKind.Server) == SamplingDecision.RecordAndSample);
        Assert.InRange(kept, 1_700, 2_300);
        Assert.All(Enumerable.Range(0, 1_000), _ => Assert.Equal(SamplingDecision.Drop, Decide(From(null, null), ActivityKind.Client)));
    }

    [Fact]
    public void A_span_follows_its_parent_so_a_trace_asked_for_is_whole_at_any_ratio()
    {
        var none = From("parentbased_traceidratio", "0");
        var asked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var notAsked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: true);

        Assert.Equal(SamplingDecision.RecordAndSample, Decide(none, ActivityKind.Server, asked));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(none, ActivityKind.Client, asked));
        Assert.Equal(SamplingDecision.Drop, Decide(From(null, null), ActivityKind.Server, notAsked));
        Assert.Equal(SamplingDecision.Drop, Decide(none, ActivityKind.Server));
    }
}
