using System.Text;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// On a terminal: a live table of resources, redrawn every second, with the latest progress lines under it.
/// Redirected (CI, tests, a log file): progress as plain lines, and the table whenever everything becomes healthy.
/// </summary>
public sealed class ConsoleReporter
{
    private readonly Queue<string> _recent = new();
    private readonly bool _interactive = !Console.IsOutputRedirected;

    public void Progress(string line)
    {
        var stamped = $"{DateTime.Now:HH:mm:ss} {line}";
        if (!_interactive)
        {
            Console.WriteLine($"[apphost] {stamped}");
            return;
        }
        lock (_recent)
        {
            _recent.Enqueue(stamped);
            while (_recent.Count > 12) _recent.Dequeue();
        }
    }

    public async Task RunAsync(Platform platform, string apiUrl, CancellationToken ct)
    {
        var wasHealthy = false;
        while (!ct.IsCancellationRequested)
        {
            var healthy = platform.AllHealthy;
            if (_interactive)
            {
                var screen = new StringBuilder("\x1b[H\x1b[2J");
                screen.AppendLine($"MaternityCloud AppHost — dashboard at {apiUrl} — Ctrl-C stops everything");
                screen.AppendLine();
                screen.Append(Render(platform.Snapshot()));
                screen.AppendLine();
                lock (_recent) foreach (var line in _recent) screen.AppendLine(line);
                Console.Write(screen.ToString());
            }
            else if (healthy && !wasHealthy)
            {
                Console.WriteLine($"[apphost] all resources healthy; dashboard at {apiUrl}");
                Console.Write(Render(platform.Snapshot()));
            }
            wasHealthy = healthy;
            try { await Task.Delay(1000, ct); } catch (OperationCanceledException) { return; }
        }
    }

    public static string Render(IReadOnlyList<ResourceSnapshot> resources)
    {
        string[] header = ["RESOURCE", "TYPE", "STATE", "HEALTH", "PID", "RESTARTS", "ENDPOINTS"];
        var rows = resources.Select(r => new[]
        {
            r.Name, r.Type, r.State + (r.Message is { } m && r.State != "Running" ? $" ({m})" : ""), r.Health,
            r.Pid?.ToString() ?? "", r.Restarts.ToString(), string.Join("  ", r.Endpoints.Select(e => $"{e.Key}={e.Value}")),
        }).ToList();
        var widths = header.Select((h, i) => Math.Min(60, rows.Select(r => r[i].Length).Append(h.Length).Max())).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows.Prepend(header))
        {
            for (var i = 0; i < row.Length; i++)
            {
                var cell = row[i].Length > widths[i] && i < row.Length - 1 ? row[i][..(widths[i] - 1)] + "…" : row[i];
                text.Append(i < row.Length - 1 ? cell.PadRight(widths[i] + 2) : cell);
            }
            text.AppendLine();
        }
        return text.ToString();
    }
}
