using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>Where the platform keeps its state, how it reports progress, and how it finds ports and programs.</summary>
public sealed class PlatformContext
{
    private readonly HashSet<int> _allocated = [];

    public required string RepositoryRoot { get; init; }
    public required string StateDirectory { get; init; }
    public required bool DynamicPorts { get; init; }
    public string? OtlpEndpoint { get; set; }
    /// <summary>OTEL_EXPORTER_OTLP_HEADERS for the services (the receiver's API key).</summary>
    public string? OtlpHeaders { get; set; }
    public required Action<string> Progress { get; init; }
    /// <summary>Issues the platform's credentials: each service's own, and the administrator's sign-in link.</summary>
    public required PlatformIssuer Issuer { get; init; }

    public bool RunningAsRoot { get; } = Signals.GetEffectiveUserId() == 0;

    public string ResourceDirectory(string resourceName)
    {
        var path = Path.Combine(StateDirectory, resourceName);
        Directory.CreateDirectory(path);
        return path;
    }

    public string LogFile(string resourceName)
    {
        var logs = Path.Combine(StateDirectory, "logs");
        Directory.CreateDirectory(logs);
        return Path.Combine(logs, resourceName + ".log");
    }

    /// <summary>A port the operator chose, kept as given and never handed out again; 0 asks for a free one.</summary>
    public int Claim(int port)
    {
        lock (_allocated)
        {
            if (port == 0) return FreePort(_allocated);
            _allocated.Add(port);
            return port;
        }
    }

    /// <summary>The fixed port, or a free one under --dynamic-ports (used by tests, so parallel runs never clash).</summary>
    public int Port(int preferred)
    {
        lock (_allocated)
        {
            if (!DynamicPorts)
            {
                _allocated.Add(preferred);
                return preferred;
            }
            return FreePort(_allocated);
        }
    }

    /// <summary>A free loopback port not in <paramref name="taken"/> (which it joins), outside RabbitMQ's CLI range 35672-35682.</summary>
    public static int FreePort(ISet<int> taken)
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (port is >= 35672 and <= 35682 || !taken.Add(port)) continue;
            return port;
        }
    }

    public static bool PortInUse(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Finds a server program from the machine's packages, or says how to install it.</summary>
    public static string FindProgram(string name, string debianPackage, params string[] candidates)
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
            $"'{name}' was not found. Install it with `make setup` (apt-get install {debianPackage}), or give a connection string.");
    }

    /// <summary>Runs a short command to completion (initdb, chown), failing with its output.</summary>
    public static async Task RunToCompletionAsync(string fileName, IEnumerable<string> arguments, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment) info.Environment[k] = v;
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', info.ArgumentList)} failed ({process.ExitCode}): {await error}{await output}");
    }
}
