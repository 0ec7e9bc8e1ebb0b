using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MaternityCloud.AppHost.Hosting;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Bench;

/// <summary>
/// The whole platform as `make run` starts it: the built AppHost in its own process (free ports, a private state folder),
/// watched through the dashboard's API. The issuer key is made in the state folder first, so the bench can sign the
/// credentials every caller presents.
/// </summary>
public sealed class RunningPlatform : IAsyncDisposable
{
    private readonly Process _apphost;
    private readonly HttpClient _api;
    private readonly ECDsa _issuer;
    private IReadOnlyList<ResourceSnapshot> _resources = [];

    public string State { get; }
    public string OtlpApiKey { get; }
    public TimeSpan StartedIn { get; private set; }
    public string OtlpHttpUrl { get; }

    private RunningPlatform(Process apphost, HttpClient api, ECDsa issuer, string state, string otlpApiKey, string otlpHttpUrl)
    {
        _apphost = apphost;
        _api = api;
        _issuer = issuer;
        State = state;
        OtlpApiKey = otlpApiKey;
        OtlpHttpUrl = otlpHttpUrl;
    }

    /// <summary>Starts the AppHost and returns once every resource reports healthy; <see cref="StartedIn"/> is that time.</summary>
    public static async Task<RunningPlatform> StartAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var state = BenchState.NewFolder();
        var issuer = IssuerKeyFile.LoadOrCreate(Path.Combine(state, "credentials", "issuer.key"));
        var token = PlatformCredentials.Issue(issuer, Caller.Operator("bench", OperatorRole.Administrator, "fund-centre"), TimeSpan.FromHours(12));
        var otlpKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var apiPort = FreePort();
        var otlpHttpPort = FreePort();
        var root = BuildLayout.RepositoryRoot;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in new[] { BuildLayout.AssemblyPath(Path.Combine(root, "AppHost"), "MaternityCloud.AppHost"), "--dynamic-ports", "--state-dir", state, "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
            "--otlp-http-port", otlpHttpPort.ToString(CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        info.Environment["Dashboard__Token"] = token;
        info.Environment["Dashboard__OtlpApiKey"] = otlpKey;
        foreach (var (name, value) in environment) info.Environment[name] = value;

        var clock = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[apphost] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(5) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var platform = new RunningPlatform(process, api, issuer, state, otlpKey, $"http://127.0.0.1:{otlpHttpPort}");
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the AppHost exited with {process.ExitCode} before it was healthy");
            if (clock.Elapsed > timeout) throw new TimeoutException($"the platform was not healthy within {timeout}");
            try
            {
                await platform.RefreshAsync();
                if (platform._resources.Count > 0 && platform._resources.All(r => r.Health == nameof(HealthStatus.Healthy))) break;
            }
            catch (HttpRequestException) { } // the dashboard is not listening yet
            catch (TaskCanceledException) { }
            await Task.Delay(50);
        }
        platform.StartedIn = clock.Elapsed;
        return platform;
    }

    public async Task RefreshAsync() =>
        _resources = await _api.GetFromJsonAsync<List<ResourceSnapshot>>("/api/resources", JsonSerializerOptions.Web) ?? [];

    public IReadOnlyList<ResourceSnapshot> Resources => _resources;

    public int ApphostPid => _apphost.Id;

    public int Pid(string name) => _resources.Single(r => r.Name == name).Pid ?? throw new InvalidOperationException($"{name} has no process");

    public string Endpoint(string name, string endpoint) => _resources.Single(r => r.Name == name).Endpoints[endpoint];

    private int Port(string name) => new Uri(Endpoint(name, "tcp")).Port;

    public string Database(string name) =>
        $"Host=127.0.0.1;Port={Port("postgres")};Username=postgres;Password={File.ReadAllText(Path.Combine(State, "postgres", "password")).Trim()};Database={name}";

    public string Redis => $"127.0.0.1:{Port("redis")}";

    public Uri Amqp => new($"amqp://guest:guest@127.0.0.1:{Port("messaging")}/");

    public string Issue(Caller caller) => PlatformCredentials.Issue(_issuer, caller, TimeSpan.FromHours(12));

    /// <summary>A channel to a service's gRPC endpoint presenting <paramref name="caller"/>'s credential on every call.</summary>
    public CallInvoker Channel(string service, Caller caller)
    {
        var credential = Issue(caller);
        return GrpcChannel.ForAddress(Endpoint(service, "grpc")).Intercept(m => { m.Add("authorization", "Bearer " + credential); return m; });
    }

    public async ValueTask DisposeAsync()
    {
        if (!_apphost.HasExited)
        {
            // SIGTERM: the AppHost stops every resource in order, as on Ctrl-C.
            Signals.Send(_apphost.Id, Signals.SIGTERM);
            if (!_apphost.WaitForExit(TimeSpan.FromMinutes(2))) _apphost.Kill(entireProcessTree: true);
        }
        foreach (var pid in ChildProcess.FindByStateMarker(State)) await ChildProcess.KillGroupAsync(pid);
        BenchState.Remove(State);
        _api.Dispose();
        _issuer.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

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
