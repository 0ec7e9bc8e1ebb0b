using System.Diagnostics;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>A program the tests run as a user or a deployment would, to its end.</summary>
public static class ChildProcess
{
    /// <summary>The build these tests come from ("Debug" or "Release"), so a program they run is the same build.</summary>
    public static string BuildConfiguration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Runs <paramref name="start"/> until it exits (at most <paramref name="limit"/>); its exit code and all it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, TimeSpan limit)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
