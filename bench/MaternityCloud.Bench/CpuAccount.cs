using System.Globalization;

namespace MaternityCloud.Bench;

/// <summary>
/// CPU time spent by each part of the platform between two readings of /proc: the named processes, and the servers
/// (every postgres, beam.smp and redis-server process, so PostgreSQL's backends count too) and this load generator.
/// </summary>
public sealed class CpuAccount(IReadOnlyDictionary<string, int> named, IReadOnlyList<int> orchestrator)
{
    private static readonly Dictionary<string, string> Servers = new()
    {
        ["postgres"] = "PostgreSQL", ["beam.smp"] = "RabbitMQ", ["redis-server"] = "Redis",
    };
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public Dictionary<string, double> Read()
    {
        var seconds = named.ToDictionary(n => n.Key, n => Ticks(n.Value) / TicksPerSecond);
        foreach (var server in Servers.Values) seconds[server] = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string comm;
            try { comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim(); } catch (IOException) { continue; }
            if (Servers.TryGetValue(comm, out var server)) seconds[server] += Ticks(pid) / TicksPerSecond;
        }
        seconds["DCP and the Aspire dashboard"] = orchestrator.Sum(Ticks) / TicksPerSecond;
        // The AppHost runs inside the bench (Aspire.Hosting.Testing): its share is in here, and small once everything runs.
        seconds["load generator and AppHost (this bench)"] = Ticks(Environment.ProcessId) / TicksPerSecond;
        return seconds;
    }

    /// <summary>Milliseconds of CPU per unit of work between two readings, largest first.</summary>
    public static IEnumerable<(string Part, double Milliseconds)> PerUnit(Dictionary<string, double> before, Dictionary<string, double> after, int units) =>
        after.Select(a => (a.Key, (a.Value - before.GetValueOrDefault(a.Key)) * 1000 / units)).OrderByDescending(p => p.Item2);

    private static long Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces, so it is skipped by its closing parenthesis):
            // state is the 3rd field, utime the 14th, stime the 15th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; } // the process ended between listing and reading
    }
}
