using System.Diagnostics;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>
/// Work that is written now and done later by a background worker (an outbox row, a planned message) keeps the W3C
/// traceparent of the operation that wrote it, and the worker continues that trace: one trace then follows a
/// settlement from the hospital's call to the SMS gateway instead of breaking at every table in between.
/// </summary>
public static class StoredTrace
{
    /// <summary>The traceparent to store with the row, or null outside any trace.</summary>
    public static string? Current => Activity.Current?.Id;

    /// <summary>Starts the worker's span inside the stored trace (a new trace when none was stored).</summary>
    public static Activity? Continue(ActivitySource source, string name, string? traceParent)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        return source.StartActivity(name, ActivityKind.Internal, parent);
    }
}
