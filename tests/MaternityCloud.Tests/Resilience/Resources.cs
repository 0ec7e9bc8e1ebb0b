using MaternityCloud.AppHost.Hosting;
using Npgsql;

namespace MaternityCloud.Tests.Resilience;

/// <summary>Every process's resident memory and the servers' open connections, to compare the start of a run with its end.</summary>
public static class Resources
{
    public sealed record Sample(Dictionary<string, long> RssKb, Dictionary<string, long> Connections);

    public static Sample Measure(Platform platform, PlatformBuilder builder)
    {
        var rss = new Dictionary<string, long>();
        foreach (var r in platform.Snapshot().Where(r => r.Pid is not null))
            if (Rss(r.Pid!.Value) is { } kb) rss[r.Name] = kb;
        var connections = new Dictionary<string, long>();
        var postgres = platform.Resources.OfType<PostgresServerResource>().Single();
        try
        {
            using var connection = new NpgsqlConnection(postgres.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'", connection);
            connections["postgres client connections"] = (long)command.ExecuteScalar()! - 1; // not this one
        }
        catch (NpgsqlException) { }
        foreach (var r in platform.Snapshot().Where(r => r.Pid is not null && r.Type == "Project"))
            connections[$"{r.Name} open sockets"] = Sockets(r.Pid!.Value);
        return new Sample(rss, connections);
    }

    public static IEnumerable<string> Compare(Sample start, Sample end)
    {
        foreach (var (name, kb) in start.RssKb.OrderBy(kv => kv.Key))
            if (end.RssKb.TryGetValue(name, out var after))
                yield return $"memory {name}: start {kb / 1024.0:F0} MB, end {after / 1024.0:F0} MB ({(double)after / kb:F2}x)";
        foreach (var (name, n) in start.Connections.OrderBy(kv => kv.Key))
            if (end.Connections.TryGetValue(name, out var after))
                yield return $"connections {name}: start {n}, end {after}";
    }

    private static long? Rss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:"));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { return null; }
    }

    private static long Sockets(int pid)
    {
        try { return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count(fd => new FileInfo(fd).LinkTarget?.StartsWith("socket:") == true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return -1; }
    }
}
