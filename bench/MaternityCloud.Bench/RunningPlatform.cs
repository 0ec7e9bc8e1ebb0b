using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Hosting.Testing;
using AspirePlatform = MaternityCloud.Hosting.Testing.RunningPlatform;

namespace MaternityCloud.Bench;

/// <summary>
/// The whole platform as the AppHost describes it, started through Aspire (Aspire.Hosting.Testing: DCP runs every server
/// and service as its own process, on free ports, with a private state folder). The AppHost itself runs inside this
/// bench's process, so what is measured as the orchestrator is DCP's processes and the dashboard's.
/// </summary>
public sealed class RunningPlatform : IAsyncDisposable
{
    private readonly AspirePlatform _platform;
    private readonly Dictionary<string, string> _connectionStrings;

    private RunningPlatform(AspirePlatform platform, Dictionary<string, string> connectionStrings, TimeSpan startedIn)
    {
        _platform = platform;
        _connectionStrings = connectionStrings;
        StartedIn = startedIn;
    }

    public TimeSpan StartedIn { get; }
    public string State => _platform.StateDirectory;
    public string RepositoryRoot { get; } = MaternityCloud.Hosting.PlatformState.FindRepositoryRoot();

    /// <summary>
    /// Starts the platform and returns once every resource reports healthy. <paramref name="environment"/> is set on every
    /// service (a runtime setting under trial); <paramref name="perResource"/> on the named ones; <paramref name="arguments"/>
    /// are the AppHost's configuration (e.g. --postgres:Settings:shared_buffers=1GB).
    /// </summary>
    public static async Task<RunningPlatform> StartAsync(IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null,
        bool telemetry = true, bool dashboard = false, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? perResource = null,
        string[]? arguments = null)
    {
        var state = BenchState.NewFolder();
        var clock = Stopwatch.StartNew();
        var platform = await AspirePlatform.StartAsync(state, builder =>
        {
            foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
            {
                var resource = builder.CreateResourceBuilder(project);
                foreach (var (name, value) in environment ?? new Dictionary<string, string>()) resource.WithEnvironment(name, value);
                // Spans and metrics are recorded as deployed unless asked not to (OTEL_SDK_DISABLED makes the SDK a no-op).
                if (!telemetry) resource.WithEnvironment("OTEL_SDK_DISABLED", "true");
                if (perResource?.GetValueOrDefault(project.Name) is { } settings)
                    foreach (var (name, value) in settings) resource.WithEnvironment(name, value);
            }
        }, dashboard: dashboard, args: arguments, timeout: timeout ?? TimeSpan.FromMinutes(4));
        var startedIn = clock.Elapsed;
        var connectionStrings = new Dictionary<string, string>();
        foreach (var name in new[] { "postgres", "redis", "messaging", "enrollmentdb", "prenataldb", "claimsdb", "allowancedb", "notificationsdb" })
            connectionStrings[name] = (await platform.ConnectionStringAsync(name))!;
        return new RunningPlatform(platform, connectionStrings, startedIn);
    }

    /// <summary>The three servers alone, from the same resource definitions; the time until they were healthy.</summary>
    public static async Task<TimeSpan> ServersAloneAsync()
    {
        var state = BenchState.NewFolder();
        var clock = Stopwatch.StartNew();
        await using (await AspirePlatform.StartServersAsync(state, Servers.All))
        {
            var elapsed = clock.Elapsed;
            BenchState.Remove(state);
            return elapsed;
        }
    }

    public int Pid(string name) => _platform.ProcessId(name) ?? throw new InvalidOperationException($"{name} has no process");

    /// <summary>The process the orchestrator started for a resource: the root of all of its processes.</summary>
    public int LauncherPid(string name) => _platform.LauncherProcessId(name) ?? throw new InvalidOperationException($"{name} has no process");

    /// <summary>DCP's processes and the Aspire dashboard: the orchestration every `make run` carries.</summary>
    public IReadOnlyList<int> OrchestratorPids() =>
        ProcessTree.Mentioning("aspire.hosting.orchestration").Concat(ProcessTree.Mentioning("Aspire.Dashboard")).Distinct().ToList();

    public string Endpoint(string name, string endpoint) => _platform.Endpoint(name, endpoint).ToString().TrimEnd('/');

    public string Database(string name) => _connectionStrings[name];

    public string Redis => _connectionStrings["redis"];

    public Uri Amqp => new(_connectionStrings["messaging"]);

    public string Issue(Caller caller) => _platform.Issuer.Issue(caller, TimeSpan.FromHours(12));

    /// <summary>A channel to a service's gRPC endpoint presenting <paramref name="caller"/>'s credential on every call.</summary>
    public CallInvoker Channel(string service, Caller caller)
    {
        var credential = Issue(caller);
        return GrpcChannel.ForAddress(Endpoint(service, "grpc")).Intercept(m => { m.Add("authorization", "Bearer " + credential); return m; });
    }

    public async ValueTask DisposeAsync()
    {
        await _platform.DisposeAsync();
        BenchState.Remove(State);
    }


    /// <summary>A process's environment, from /proc (what the orchestrator gave it).</summary>
    public static Dictionary<string, string> EnvironmentOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2)).Where(kv => kv.Length == 2).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]);

    /// <summary>Resident memory of a process, from /proc.</summary>
    public static long Rss(int pid) => Status(pid, "VmRSS:");

    internal static long Status(int pid, string field, string file = "status")
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/{file}"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"no {field} for process {pid}");
    }
}

/// <summary>
/// A process's memory at one moment: resident (RSS), its anonymous part (heaps, stacks: not mapped files), and its
/// proportional share (PSS: its own pages plus each shared page divided by the processes mapping it; the .NET runtime and
/// framework files are mapped by every service).
/// </summary>
public sealed record MemorySample(long Rss, long Anonymous, long Proportional)
{
    public static MemorySample Of(int pid) =>
        new(RunningPlatform.Rss(pid), RunningPlatform.Status(pid, "RssAnon:"), RunningPlatform.Status(pid, "Pss:", "smaps_rollup"));
}
