using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Aspire.Hosting;
using Microsoft.Extensions.Configuration;

namespace MaternityCloud.Hosting;

/// <summary>
/// Where a platform keeps its state (servers' data, the issuer key) and which ports it listens on. Configuration:
/// <c>Platform:StateDirectory</c> (default <c>.state</c> in the repository) and <c>Platform:DynamicPorts</c> (free
/// loopback ports for everything instead of the fixed ones, as tests use so that two platforms never clash).
/// </summary>
public sealed class PlatformState
{
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, PlatformState> States = new();
    private static readonly HashSet<int> Allocated = [];

    private PlatformState(string repositoryRoot, string stateDirectory, bool dynamicPorts)
    {
        RepositoryRoot = repositoryRoot;
        StateDirectory = stateDirectory;
        DynamicPorts = dynamicPorts;
    }

    public string RepositoryRoot { get; }
    public string StateDirectory { get; }
    public bool DynamicPorts { get; }
    public static bool RunningAsRoot { get; } = Environment.UserName == "root";

    public static PlatformState Of(IDistributedApplicationBuilder builder) => States.GetValue(builder, b =>
    {
        var root = FindRepositoryRoot(b.AppHostDirectory);
        var state = b.Configuration["Platform:StateDirectory"] is { Length: > 0 } given ? Path.GetFullPath(given, root) : Path.Combine(root, ".state");
        Directory.CreateDirectory(state);
        return new PlatformState(root, state, b.Configuration.GetValue("Platform:DynamicPorts", false));
    });

    /// <summary>A resource's own folder under the state folder.</summary>
    public string ResourceDirectory(string resourceName)
    {
        var path = Path.Combine(StateDirectory, resourceName);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The fixed port, or a free one when ports are dynamic.</summary>
    public int Port(int preferred) => DynamicPorts ? FreePort() : preferred;

    /// <summary>A free loopback port, never one this process handed out before.</summary>
    public static int FreePort()
    {
        lock (Allocated)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                // RabbitMQ's command-line tools use 35672-35682 for themselves.
                if (port is >= 35672 and <= 35682 || !Allocated.Add(port)) continue;
                return port;
            }
        }
    }

    /// <summary>The folder holding MaternityCloud.sln, above <paramref name="start"/>, the running program or the current folder.</summary>
    public static string FindRepositoryRoot(string? start = null)
    {
        foreach (var from in new[] { start ?? AppContext.BaseDirectory, AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MaternityCloud.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException("MaternityCloud.sln was not found above this program: run it from the repository.");
    }
}
