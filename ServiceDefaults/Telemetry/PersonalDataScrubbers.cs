using System.Diagnostics;
using MaternityCloud.BuildingBlocks.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace MaternityCloud.ServiceDefaults.Telemetry;

/// <summary>Masks ID and phone numbers in a log record's message and attributes before any exporter sees it.</summary>
internal sealed class PersonalDataLogScrubber : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord record)
    {
        if (record.FormattedMessage is { } formatted) record.FormattedMessage = PersonalData.Scrub(formatted);
        if (record.Body is { } body) record.Body = PersonalData.Scrub(body);
        if (record.Attributes is { Count: > 0 } attributes && attributes.Any(a => a.Value is string s && PersonalData.ContainsPersonalNumber(s)))
        {
            record.Attributes = attributes
                .Select(a => a.Value is string s ? new KeyValuePair<string, object?>(a.Key, PersonalData.Scrub(s)) : a)
                .ToList();
        }
    }
}

/// <summary>Masks ID and phone numbers in span names, tags and event tags before any exporter sees them.</summary>
internal sealed class PersonalDataSpanScrubber : BaseProcessor<Activity>
{
    public override void OnEnd(Activity activity)
    {
        if (PersonalData.ContainsPersonalNumber(activity.DisplayName))
            activity.DisplayName = PersonalData.Scrub(activity.DisplayName);
        foreach (var tag in activity.TagObjects.ToList())
        {
            if (tag.Value is string s && PersonalData.ContainsPersonalNumber(s))
                activity.SetTag(tag.Key, PersonalData.Scrub(s));
        }
        if (activity.StatusDescription is { } description && PersonalData.ContainsPersonalNumber(description))
            activity.SetStatus(activity.Status, PersonalData.Scrub(description));
    }
}

/// <summary>A single-line console format whose text passes through the personal-data scrubber.</summary>
internal sealed class ScrubbingConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "maternitycloud";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        textWriter.Write(DateTime.UtcNow.ToString("HH:mm:ss.fff"));
        textWriter.Write(' ');
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        textWriter.Write(": ");
        textWriter.Write(PersonalData.Scrub(message ?? ""));
        if (logEntry.Exception is { } exception)
        {
            textWriter.WriteLine();
            textWriter.Write(PersonalData.Scrub(exception.ToString()));
        }
        textWriter.WriteLine();
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
