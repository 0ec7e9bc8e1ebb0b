using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>What to run for a resource.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory)
{
    /// <summary>The signal that asks the program to stop cleanly (PostgreSQL's fast shutdown is SIGINT).</summary>
    public int StopSignal { get; init; } = Signals.SIGTERM;
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

public static class Signals
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    public static extern uint GetEffectiveUserId();

    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>Whether any process of the group still exists.</summary>
    public static bool GroupAlive(int pgid) => Kill(-pgid, 0) == 0;
}

/// <summary>
/// A child started in its own session (setsid execs in place, so the pid is the group id): stopping it reaches every
/// process it forked, such as PostgreSQL's backends or the Erlang VM under rabbitmq-server. Every child carries
/// <see cref="StateMarkerVariable"/> in its environment, which is how leftovers of a killed AppHost are found safely.
/// </summary>
public sealed class ChildProcess
{
    public const string StateMarkerVariable = "MATERNITYCLOUD_APPHOST_STATE";

    private readonly Process _process;
    private readonly ProcessSpec _spec;

    public int Pid { get; }
    public Task<int> Exited { get; }

    private ChildProcess(Process process, ProcessSpec spec)
    {
        _process = process;
        _spec = spec;
        Pid = process.Id;
        Exited = WaitAsync();
    }

    public static ChildProcess Start(ProcessSpec spec, string stateMarker, Action<string> onOutput)
    {
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // a child never reads the AppHost's terminal (Ctrl-C goes to the AppHost only)
            UseShellExecute = false,
        };
        info.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in spec.Environment) info.Environment[key] = value;
        info.Environment[StateMarkerVariable] = stateMarker;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onOutput(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onOutput(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, spec);
    }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Asks the program to stop, waits, then kills whatever of its group is left.</summary>
    public async Task StopAsync()
    {
        if (!Exited.IsCompleted) Signals.Send(Pid, _spec.StopSignal);
        await Task.WhenAny(Exited, Task.Delay(_spec.StopTimeout));
        if (!Exited.IsCompleted) Signals.Send(-Pid, Signals.SIGKILL);
        await Exited;
        await KillGroupAsync(Pid);
    }

    /// <summary>Ends every remaining process of a group: politely first, then for good.</summary>
    public static async Task KillGroupAsync(int pgid)
    {
        if (!Signals.GroupAlive(pgid)) return;
        Signals.Send(-pgid, Signals.SIGTERM);
        for (var i = 0; i < 50 && Signals.GroupAlive(pgid); i++) await Task.Delay(100);
        if (Signals.GroupAlive(pgid)) Signals.Send(-pgid, Signals.SIGKILL);
    }

    /// <summary>Processes on this machine started for the given state folder (read from /proc), e.g. by an AppHost that was killed.</summary>
    public static IReadOnlyList<int> FindByStateMarker(string stateMarker)
    {
        var marker = $"{StateMarkerVariable}={stateMarker}\0";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if ((File.ReadAllText(Path.Combine(dir, "environ")) + "\0").Contains(marker, StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }
}
