using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MaternityCloud.Hosting.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaternityCloud.Hosting.Testing;

/// <summary>
/// A platform started for a test or a benchmark, through Aspire: either the whole AppHost (every server and service,
/// as `make run` starts it) or only the servers, from the same resource definitions. Ports are free ones and the state
/// folder is the caller's, so two platforms never share anything. Disposing stops every process it started.
/// </summary>
public sealed class RunningPlatform : IAsyncDisposable
{
    private RunningPlatform(DistributedApplication app, string stateDirectory)
    {
        App = app;
        StateDirectory = stateDirectory;
    }

    public DistributedApplication App { get; }
    public string StateDirectory { get; }

    /// <summary>The issuer whose key the AppHost made in the state folder: credentials it signs are the platform's.</summary>
    public DevelopmentIssuer Issuer => DevelopmentIssuer.From(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), StateDirectory);

    /// <summary>
    /// The whole platform as the AppHost describes it. <paramref name="configure"/> may change resources before start
    /// (environment for faster retries, a server setting); the dashboard runs only when asked for.
    /// </summary>
    public static async Task<RunningPlatform> StartAsync(string stateDirectory, Action<IDistributedApplicationTestingBuilder>? configure = null,
        bool dashboard = false, string[]? args = null, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        string[] arguments = [.. Arguments(stateDirectory), .. args ?? []];
        var entryPoint = typeof(MaternityCloud.AppHost.PlatformResources);
        var builder = dashboard
            ? await DistributedApplicationTestingBuilder.CreateAsync(entryPoint, new DistributedApplicationTestingBuilderOptions { EnableDashboard = true }, arguments, ct)
            : await DistributedApplicationTestingBuilder.CreateAsync(entryPoint, arguments, (options, _) => options.DisableDashboard = true, ct);
        configure?.Invoke(builder);
        return await RunAsync(builder, stateDirectory, timeout ?? TimeSpan.FromMinutes(4), ct);
    }

    /// <summary>Only the servers, each from its resource definition in MaternityCloud.Hosting.</summary>
    public static async Task<RunningPlatform> StartServersAsync(string stateDirectory, Servers servers, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var builder = DistributedApplicationTestingBuilder.Create([.. Arguments(stateDirectory)], (options, _) => options.DisableDashboard = true);
        if (servers.HasFlag(Servers.Postgres)) builder.AddLocalPostgres("postgres", 17432);
        if (servers.HasFlag(Servers.Redis)) builder.AddLocalRedis("redis", 17379);
        if (servers.HasFlag(Servers.Messaging)) builder.AddLocalRabbitMQ("messaging", (17672, 17673, 17674, 17369));
        return await RunAsync(builder, stateDirectory, timeout ?? TimeSpan.FromMinutes(2), ct);
    }

    private static string[] Arguments(string stateDirectory) =>
        ["--Platform:DynamicPorts=true", $"--Platform:StateDirectory={stateDirectory}"];

    private static async Task<RunningPlatform> RunAsync(IDistributedApplicationTestingBuilder builder, string stateDirectory, TimeSpan timeout, CancellationToken ct)
    {
        // The testing builder copies every resource's console into this process's log: on two cores, a platform under
        // load spends a core on that alone. Only warnings and worse come through (MATERNITYCLOUD_RESOURCE_LOGS=1: all).
        // The testing builder also logs Aspire's own trace and debug lines (every health check, every snapshot: about
        // 7,000 lines in a fault run, each resource snapshot with its environment); only information and worse come through.
        if (Environment.GetEnvironmentVariable("MATERNITYCLOUD_RESOURCE_LOGS") != "1")
            builder.Services.AddLogging(logging => logging.AddFilter((category, level) =>
                level >= LogLevel.Warning || (category?.Contains(".Resources.", StringComparison.Ordinal) != true && level >= LogLevel.Information)));
        var names = builder.Resources.Where(IsPlatformResource).Select(r => r.Name).ToList();
        var app = await builder.BuildAsync(ct);
        var platform = new RunningPlatform(app, stateDirectory);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            await app.StartAsync(limit.Token);
            await platform.WaitHealthyAsync(names, limit.Token);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>The platform's resources: not parameters, nor what starts only on request (the hidden helper that rebuilds a project).</summary>
    public IEnumerable<string> ResourceNames =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Where(IsPlatformResource).Select(r => r.Name);

    /// <summary>The resources of a service's replicas, first to last, by the AppHost's own naming ("claims", "claims-2", …).</summary>
    public IReadOnlyList<string> Replicas(string service)
    {
        var names = ResourceNames.ToHashSet();
        return [.. Enumerable.Range(0, names.Count).Select(i => MaternityCloud.AppHost.PlatformService.ReplicaName(service, i)).TakeWhile(names.Contains)];
    }

    private static bool IsPlatformResource(IResource resource) =>
        resource is not ParameterResource && !resource.Annotations.OfType<ExplicitStartupAnnotation>().Any();

    public async Task WaitHealthyAsync(IEnumerable<string> names, CancellationToken ct)
    {
        var notifications = App.Services.GetRequiredService<ResourceNotificationService>();
        await Task.WhenAll(names.Select(async name =>
        {
            try { await notifications.WaitForResourceHealthyAsync(name, ct); }
            catch (DistributedApplicationException e)
            {
                // "failed to start" says nothing of why: the resource's own last words do.
                throw new DistributedApplicationException($"{e.Message} Its last console lines:\n{await LastLinesAsync(name, 20)}", e);
            }
        }));
    }

    private async Task<string> LastLinesAsync(string resource, int count)
    {
        var lines = new List<string>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(resource).WithCancellation(limit.Token))
                lines.AddRange(batch.Select(l => l.Content));
        }
        catch (OperationCanceledException) { }
        return string.Join("\n", lines.TakeLast(count));
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await WaitHealthyAsync(ResourceNames, limit.Token);
    }

    public Task<string?> ConnectionStringAsync(string resource, CancellationToken ct = default) => App.GetConnectionStringAsync(resource, ct).AsTask();

    /// <summary>A resource's endpoint, e.g. ("claims", "grpc") or ("messaging", "management").</summary>
    public Uri Endpoint(string resource, string endpoint) => App.GetEndpoint(resource, endpoint);

    public RabbitMQManagement BrokerManagement(string resource = "messaging") => new(Endpoint(resource, RabbitMQServerResource.ManagementEndpointName));

    /// <summary>The resource's current snapshot: state, health, exit code, properties.</summary>
    public CustomResourceSnapshot Snapshot(string resource) =>
        App.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(resource, out var e)
            ? e.Snapshot : throw new InvalidOperationException($"no resource '{resource}'");

    /// <summary>
    /// The process of a running resource. DCP starts a project under `dotnet run`; the service itself is that
    /// wrapper's child, and that is the process returned.
    /// </summary>
    public int? ProcessId(string resource) => LauncherProcessId(resource) is { } pid ? ProcessTree.WorkingProcess(pid) : null;

    /// <summary>
    /// The process DCP started for a running resource (`dotnet run`, PostgreSQL's shell, RabbitMQ's start script): the
    /// root of every process the resource runs.
    /// </summary>
    public int? LauncherProcessId(string resource) =>
        Snapshot(resource).Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
        {
            int i => i,
            long l => (int)l,
            string s when int.TryParse(s, out var p) => p,
            _ => (int?)null,
        };

    /// <summary>Runs one of the resource's commands (Aspire's resource-start, resource-stop, resource-restart, or the platform's).</summary>
    public async Task CommandAsync(string resource, string command, CancellationToken ct = default)
    {
        var result = await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command, ct);
        if (!result.Success) throw new InvalidOperationException($"{command} on {resource} failed: {result.Message}");
    }

    /// <summary>
    /// Aspire's stop command, then every process of the resource (as found in /proc before the stop: the one DCP started
    /// and all below it) gone, up to three minutes (a loaded two-core machine has seen PostgreSQL take 80 s to stop). DCP may report a resource stopped while its process is still exiting
    /// (Redis flushing its append-only file), and a start then fails on the port the old process still holds; DCP also
    /// gives up after about 20 s on a server still finishing its shutdown under load (PostgreSQL's checkpoint, RabbitMQ
    /// closing its connections). The whole tree, not one process of it: Redis forks a child to write its append-only
    /// file, and that child can end long before the server does.
    /// </summary>
    public async Task StopResourceAsync(string resource)
    {
        var processes = LauncherProcessId(resource) is { } launcher ? [launcher, .. ProcessTree.Descendants(launcher)] : new List<int>();
        InvalidOperationException? gaveUp = null;
        try
        {
            await CommandAsync(resource, KnownResourceCommands.StopCommand);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("Failed to stop", StringComparison.Ordinal) && processes.Count > 0)
        {
            gaveUp = e;
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (processes.Where(ProcessTree.IsAlive).ToList() is { Count: > 0 } alive)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{resource} (processes {string.Join(", ", alive)}) was still running three minutes after its stop", gaveUp);
            await Task.Delay(100);
        }
        // And Aspire itself done with the stop, in a state its start command accepts (a process it stopped is Finished;
        // one whose stop it gave up on is Unknown): a start while the resource still showed Stopping, a Redis gone within
        // milliseconds of its stop, came back as "failed to start" in two CI runs.
        using var settled = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await App.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync(resource,
            [.. KnownResourceStates.TerminalStates, KnownResourceStates.NotStarted, "Unknown"], settled.Token);
    }

    public Task StartResourceAsync(string resource) => CommandAsync(resource, KnownResourceCommands.StartCommand);

    /// <summary>Stop, then start: Aspire's restart, with the stop's patience above.</summary>
    public async Task RestartResourceAsync(string resource)
    {
        await StopResourceAsync(resource);
        await StartResourceAsync(resource);
    }

    public async ValueTask DisposeAsync()
    {
        try { await App.StopAsync(); } catch (Exception e) when (e is OperationCanceledException or InvalidOperationException) { }
        await App.DisposeAsync();
    }
}

[Flags]
public enum Servers
{
    Postgres = 1,
    Redis = 2,
    Messaging = 4,
    All = Postgres | Redis | Messaging,
}

/// <summary>Processes as /proc shows them.</summary>
public static class ProcessTree
{
    /// <summary>
    /// The process doing the work under its launchers: DCP starts a project under `dotnet run`, PostgreSQL under a shell
    /// and RabbitMQ under its start script, each with one child. So: down while a process has exactly one child.
    /// </summary>
    public static int WorkingProcess(int pid)
    {
        for (var depth = 0; depth < 4; depth++)
        {
            var children = Children(pid).Take(2).ToList();
            if (children.Count != 1) break;
            pid = children[0];
        }
        return pid;
    }

    public static IEnumerable<int> Children(int pid)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.TryParse(fields[1], out var parent) && parent == pid) yield return child;
        }
    }

    /// <summary>Every process below <paramref name="pid"/>, children first.</summary>
    public static List<int> Descendants(int pid)
    {
        var found = new List<int>();
        for (var i = -1; i < found.Count; i++)
            found.AddRange(Children(i < 0 ? pid : found[i]));
        return found;
    }

    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline"); } catch (IOException) { return ""; }
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash.</summary>
    public static void Kill(int pid) => System.Diagnostics.Process.GetProcessById(pid).Kill();

    /// <summary>Live processes whose command line names <paramref name="text"/> (a state folder, say).</summary>
    public static IReadOnlyList<int> Mentioning(string text) =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && pid != Environment.ProcessId && IsAlive(pid) && CommandLine(pid).Contains(text, StringComparison.Ordinal)).ToList();

    public static bool IsAlive(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return false; }
    }
}
