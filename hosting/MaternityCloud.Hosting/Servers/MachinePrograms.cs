using System.Diagnostics;

namespace MaternityCloud.Hosting.Servers;

/// <summary>Server programs from the machine's Debian packages, and short helper commands (initdb, chown).</summary>
public static class MachinePrograms
{
    /// <summary>The program's path, or an error that says which package to install.</summary>
    public static string Find(string name, string debianPackage, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException(
            $"'{name}' was not found. Install it with `make setup` (apt-get install {debianPackage}), or give the server's connection string.");
    }

    /// <summary>Runs a short command to completion, failing with its output.</summary>
    public static async Task RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken ct)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', info.ArgumentList)} failed ({process.ExitCode}): {await error}{await output}");
    }
}
