using System.Globalization;

namespace MaternityCloud.Bench;

/// <summary>
/// CPU time spent by each part of the platform between two readings of /proc. A service or a server is a process tree:
/// the service's process, a server from the process the orchestrator started for it (a shell or start script) down, so
/// PostgreSQL's backends, RabbitMQ's port programs and Redis's rewrite children count. A tree's time is each of its
/// processes' own time (utime + stime, every thread, ended ones too) plus the time of the children it has waited for
/// (cutime + cstime, which holds their own waited-for children in turn): when a backend ends, the postmaster reaps it
/// and its time moves from the first term to the second, so the sum never goes down. The orchestrator's processes (DCP,
/// the dashboard) and this bench (the AppHost runs in it) count alone: every tree hangs under them.
/// </summary>
public sealed class CpuAccount(IReadOnlyDictionary<string, int> named, IReadOnlyDictionary<string, int[]> servers, IReadOnlyList<int> orchestrator)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private readonly record struct Times(int Parent, long Own, long Reaped);

    public Dictionary<string, double> Read()
    {
        var roots = named.Values.Concat(servers.Values.SelectMany(r => r)).ToList();
        var processes = Snapshot(roots);
        var children = processes.ToLookup(p => p.Value.Parent, p => p.Key);
        var seconds = named.ToDictionary(n => n.Key, n => Tree(processes, children, n.Value) / TicksPerSecond);
        foreach (var (part, pids) in servers) seconds[part] = pids.Sum(pid => Tree(processes, children, pid)) / TicksPerSecond;
        seconds["DCP and the Aspire dashboard"] = orchestrator.Sum(pid => processes.GetValueOrDefault(pid).Own) / TicksPerSecond;
        // The AppHost runs inside the bench (Aspire.Hosting.Testing): its share is in here, and small once everything runs.
        seconds["load generator and AppHost (this bench)"] = processes.GetValueOrDefault(Environment.ProcessId).Own / TicksPerSecond;
        return seconds;
    }

    /// <summary>Milliseconds of CPU per unit of work between two readings, largest first.</summary>
    public static IEnumerable<(string Part, double Milliseconds)> PerUnit(Dictionary<string, double> before, Dictionary<string, double> after, int units) =>
        after.Select(a => (a.Key, (a.Value - before.GetValueOrDefault(a.Key)) * 1000 / units)).OrderByDescending(p => p.Item2);

    /// <summary>Clock ticks of the process and everything under it, live or waited for.</summary>
    private static long Tree(Dictionary<int, Times> processes, ILookup<int, int> children, int root)
    {
        long ticks = 0;
        var pending = new Stack<int>();
        pending.Push(root);
        while (pending.TryPop(out var pid))
        {
            if (!processes.TryGetValue(pid, out var times)) continue;
            ticks += times.Own + times.Reaped;
            foreach (var child in children[pid]) pending.Push(child);
        }
        return ticks;
    }

    /// <summary>
    /// Every process's times. Reading /proc is not atomic: a child reaped during the listing is missed if its parent was
    /// read before, counted twice if it was read before its parent. So the listing is taken again, and kept only if no
    /// process of the trees ended or reaped a child in between; else the second one is checked against a third, and so on.
    /// </summary>
    private static Dictionary<int, Times> Snapshot(IReadOnlyList<int> roots)
    {
        var first = ReadProcesses();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var second = ReadProcesses();
            var children = first.ToLookup(p => p.Value.Parent, p => p.Key);
            var members = new List<int>();
            var pending = new Stack<int>(roots);
            while (pending.TryPop(out var pid))
                if (first.ContainsKey(pid)) { members.Add(pid); foreach (var child in children[pid]) pending.Push(child); }
            if (members.All(pid => second.TryGetValue(pid, out var again) && again.Reaped == first[pid].Reaped)) return first;
            first = second;
        }
        return first;
    }

    private static Dictionary<int, Times> ReadProcesses()
    {
        var processes = new Dictionary<int, Times>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
            // Fields after the command name (which may hold spaces, so it is skipped by its closing parenthesis): state is the
            // 3rd field, the parent the 4th, utime the 14th, stime the 15th, cutime the 16th, cstime the 17th (proc(5)).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            processes[pid] = new((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
        }
        return processes;
    }
}
