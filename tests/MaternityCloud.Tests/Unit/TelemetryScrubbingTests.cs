using System.Diagnostics;
using MaternityCloud.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MaternityCloud.Tests.Unit;

/// <summary>The scrubbers ServiceDefaults puts in front of every console line and every exported span.</summary>
public sealed class TelemetryScrubbingTests
{
    [Fact]
    public void Console_lines_show_id_and_phone_numbers_masked_including_in_exceptions()
    {
        var writer = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Warning, "Enrollment", default, "registering 11010519491231002X (13912345678)",
            new InvalidOperationException("duplicate 11010519491231002X"), (state, _) => state);

        new ScrubbingConsoleFormatter().Write(in entry, null, writer);

        var text = writer.ToString();
        Assert.Contains("warn Enrollment: registering 110105********002X (139****5678)", text);
        Assert.Contains("duplicate 110105********002X", text);
        Assert.DoesNotContain("11010519491231002X", text);
        Assert.DoesNotContain("13912345678", text);
    }

    [Fact]
    public void Span_names_tags_and_status_are_masked_before_export()
    {
        using var source = new ActivitySource("MaternityCloud.Tests.Scrubbing");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var activity = source.StartActivity("lookup 11010519491231002X")!;
        activity.SetTag("person.id_number", "11010519491231002X");
        activity.SetTag("person.phone", "13912345678");
        activity.SetTag("fee.count", 3);
        activity.SetStatus(ActivityStatusCode.Error, "no person 11010519491231002X");

        new PersonalDataSpanScrubber().OnEnd(activity);

        Assert.Equal("lookup 110105********002X", activity.DisplayName);
        Assert.Equal("110105********002X", activity.GetTagItem("person.id_number"));
        Assert.Equal("139****5678", activity.GetTagItem("person.phone"));
        Assert.Equal(3, activity.GetTagItem("fee.count"));
        Assert.Equal("no person 110105********002X", activity.StatusDescription);
    }
}
