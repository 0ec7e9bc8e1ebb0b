using MaternityCloud.Hosting.Testing;
using Npgsql;

namespace MaternityCloud.Tests.Resilience;

/// <summary>Every process's resident memory and the servers' open connections, to compare the start of a run with its end.</summary>
public static class Resources
{
    public sealed record Sample(Dictionary<string, long> RssKb, Dictionary<string, long> Connections);

    public static async Task<Sample> MeasureAsync(RunningPlatform platform)
    {
        var rss = new Dictionary<string, long>();
        var services = new List<(string Name, int Pid)>();
        foreach (var name in platform.ResourceNames)
        {
            if (platform.ProcessId(name) is not { } pid) continue;
            if (Rss(pid) is { } kb) rss[name] = kb;
            if (platform.Snapshot(name).ResourceType == "Project") services.Add((name, pid));
        }
        var connections = new Dictionary<string, long>();
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(await platform.ConnectionStringAsync("postgres")) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'", connection);
            connections["postgres client connections"] = (long)(await command.ExecuteScalarAsync())! - 1; // not this one
        }
        catch (NpgsqlException) { }
        foreach (var (name, pid) in services) connections[$"{name} open sockets"] = Sockets(pid);
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
