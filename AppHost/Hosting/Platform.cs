using System.Collections.Concurrent;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// A resource as the API and the console table show it. Connection strings are never shown: they hold secrets.
/// ExitCode is the last exit of its process, kept after a restart so the list shows why it restarted.
/// </summary>
public sealed record ResourceSnapshot(
    string Name, string Type, string State, string Health, IReadOnlyDictionary<string, string> Endpoints, int? Pid,
    int Restarts, DateTimeOffset? StartedAt, double? UptimeSeconds, int? ExitCode, string? Message, IReadOnlyList<string> WaitsFor);

/// <summary>
/// Runs the resources: each starts when everything it waits for is healthy, is watched and restarted with backoff when
/// it exits, and is health-checked continuously. Stopping goes in reverse dependency order (services first, then
/// servers), each child asked to stop cleanly and then its whole process group ended.
/// </summary>
public sealed class Platform : IAsyncDisposable
{
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableRun = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Resource, ChildProcess> _children = new();
    private readonly List<Task> _tasks = [];
    private int _stopped;

    public PlatformContext Context { get; }
    public IReadOnlyList<Resource> Resources { get; }

    /// <summary>Where /api/resources is served.</summary>
    public int ApiPort { get; }

    internal Platform(PlatformContext context, IReadOnlyList<Resource> resources, int apiPort)
    {
        Context = context;
        Resources = resources;
        ApiPort = apiPort;
    }

    public T Get<T>(string name) where T : Resource => (T)Resources.Single(r => r.Name == name);

    public Task StartAsync(CancellationToken ct = default)
    {
        CleanUpLeftovers();
        if (!Context.DynamicPorts) CheckPortsFree();
        foreach (var resource in Resources) _tasks.Add(Task.Run(() => RunAsync(resource, _stopping.Token), CancellationToken.None));
        _tasks.Add(Task.Run(() => WatchHealthAsync(_stopping.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    public bool AllHealthy => Resources.All(r => r.Health == HealthStatus.Healthy);

    public async Task WaitForHealthyAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!AllHealthy)
        {
            var failed = Resources.FirstOrDefault(r => r.State == ResourceState.Failed);
            if (failed is not null) throw new InvalidOperationException($"Resource '{failed.Name}' failed: {failed.Message}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Not healthy in time: " + string.Join(", ",
                    Resources.Where(r => r.Health != HealthStatus.Healthy).Select(r => $"{r.Name} ({r.State}, {r.Health}) {r.Message}")));
            await Task.Delay(200, ct);
        }
    }

    private async Task RunAsync(Resource resource, CancellationToken ct)
    {
        try
        {
            await WaitForDependenciesAsync(resource, ct);
            switch (resource)
            {
                case ProcessResource { IsExternal: true }:
                    resource.State = ResourceState.External;
                    break;
                case ProcessResource process:
                    await SuperviseAsync(process, ct);
                    break;
                default:
                    resource.State = ResourceState.Running;
                    resource.StartedAt = DateTimeOffset.UtcNow;
                    break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            resource.State = ResourceState.Failed;
            resource.Message = e.Message;
            Context.Progress($"{resource.Name}: failed: {e.Message}");
        }
    }

    private async Task WaitForDependenciesAsync(Resource resource, CancellationToken ct)
    {
        if (resource.WaitsFor.Count == 0) return;
        resource.State = ResourceState.Waiting;
        while (resource.WaitsFor.Any(d => d.Health != HealthStatus.Healthy))
        {
            resource.Message = "waiting for " + string.Join(", ", resource.WaitsFor.Where(d => d.Health != HealthStatus.Healthy).Select(d => d.Name));
            await Task.Delay(200, ct);
        }
        resource.Message = null;
    }

    private async Task SuperviseAsync(ProcessResource resource, CancellationToken ct)
    {
        resource.State = ResourceState.Starting;
        await resource.PrepareAsync(Context, ct);
        var logPath = Context.LogFile(resource.Name);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            ChildProcess child;
            lock (resource)
            {
                ct.ThrowIfCancellationRequested(); // StopAsync cancels before it takes this lock: no start after a stop
                var spec = resource.CreateProcessSpec(Context);
                child = ChildProcess.Start(spec, Context.StateDirectory, line =>
                {
                    resource.AppendOutput(line);
                    lock (log) log.WriteLine(line);
                });
                _children[resource] = child;
            }
            resource.Pid = child.Pid;
            resource.StartedAt = DateTimeOffset.UtcNow;
            resource.State = ResourceState.Running;
            resource.Message = null;
            Context.Progress($"{resource.Name}: started (pid {child.Pid}), output in {logPath}");

            var exitCode = await child.Exited.WaitAsync(ct);
            var ran = DateTimeOffset.UtcNow - resource.StartedAt.Value;
            await ChildProcess.KillGroupAsync(child.Pid); // anything it forked goes with it
            resource.ExitCode = exitCode;
            resource.Health = HealthStatus.Unhealthy;
            if (resource.HeldStopped)
            {
                resource.State = ResourceState.Stopped;
                resource.Pid = null;
                resource.Message = "stopped by an operator";
                Context.Progress($"{resource.Name}: {resource.Message}");
                while (resource.HeldStopped) await Task.Delay(200, ct);
                delay = TimeSpan.FromSeconds(1);
                continue;
            }
            resource.Restarts++;
            if (resource.RestartRequested)
            {
                resource.RestartRequested = false;
                Context.Progress($"{resource.Name}: restarting at an operator's request");
                continue;
            }
            delay = ran > StableRun ? TimeSpan.FromSeconds(1) : delay;
            resource.State = ResourceState.Restarting;
            resource.Message = $"exited with code {exitCode}; restarting in {delay.TotalSeconds:0}s";
            Context.Progress($"{resource.Name}: {resource.Message}");
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRestartDelay.Ticks));
        }
    }

    private async Task WatchHealthAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.WhenAll(Resources
                .Where(r => r.State is ResourceState.Running or ResourceState.External)
                .Select(r => CheckAsync(r, ct)));
            try { await Task.Delay(AllHealthy ? 1000 : 250, ct); } catch (OperationCanceledException) { return; }
        }
    }

    private async Task CheckAsync(Resource resource, CancellationToken ct)
    {
        bool healthy;
        try { healthy = await resource.CheckHealthAsync(ct); }
        catch (OperationCanceledException) { return; }
        catch (Exception) { healthy = false; }

        if (healthy && resource.Health != HealthStatus.Healthy)
        {
            if (resource is ProcessResource process)
            {
                try { await process.OnHealthyAsync(Context, ct); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    resource.Message = e.Message;
                    return;
                }
            }
            resource.Health = HealthStatus.Healthy;
            Context.Progress($"{resource.Name}: healthy{Describe(resource)}");
        }
        else if (!healthy && resource.Health == HealthStatus.Healthy)
        {
            resource.Health = HealthStatus.Unhealthy;
            Context.Progress($"{resource.Name}: unhealthy");
        }
        else if (!healthy && resource.Health == HealthStatus.Unknown)
        {
            resource.Health = HealthStatus.Unhealthy;
        }
    }

    private static string Describe(Resource resource) =>
        resource.Endpoints.Count == 0 ? "" : " at " + string.Join(", ", resource.Endpoints.Select(e => $"{e.Name} {e.Url}"));

    /// <summary>Stops services before the servers they use; every child it started is gone when this returns.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync();
        foreach (var level in Resources.GroupBy(Depth).OrderByDescending(g => g.Key))
        {
            await Task.WhenAll(level.Select(async resource =>
            {
                ChildProcess? child;
                lock (resource) _children.TryGetValue(resource, out child);
                if (child is null)
                {
                    resource.State = ResourceState.Stopped;
                    return;
                }
                resource.State = ResourceState.Stopping;
                Context.Progress($"{resource.Name}: stopping");
                await child.StopAsync();
                resource.State = ResourceState.Stopped;
                resource.Health = HealthStatus.Unknown;
                resource.Pid = null;
            }));
        }
        try { await Task.WhenAll(_tasks); } catch (OperationCanceledException) { }
        // Belt and braces: nothing started for this state folder may outlive the AppHost.
        foreach (var pid in ChildProcess.FindByStateMarker(Context.StateDirectory)) await ChildProcess.KillGroupAsync(pid);
        Context.Progress("all resources stopped");
    }

    /// <summary>An operator's stop: the process is asked to stop and is not restarted until <see cref="StartResource"/>.</summary>
    public async Task<bool> StopResourceAsync(string name)
    {
        if (!TryGetChild(name, out var resource, out var child)) return false;
        resource.HeldStopped = true;
        resource.State = ResourceState.Stopping;
        if (child is not null) await child.StopAsync();
        return true;
    }

    public bool StartResource(string name)
    {
        if (Resources.FirstOrDefault(r => r.Name == name) is not ProcessResource { IsExternal: false } resource) return false;
        resource.HeldStopped = false;
        return true;
    }

    /// <summary>Stops the process and starts it again at once (counted as a restart).</summary>
    public async Task<bool> RestartResourceAsync(string name)
    {
        if (!TryGetChild(name, out var resource, out var child)) return false;
        if (resource.HeldStopped)
        {
            resource.HeldStopped = false;
            return true;
        }
        resource.RestartRequested = true;
        resource.State = ResourceState.Restarting;
        if (child is not null) await child.StopAsync();
        return true;
    }

    private bool TryGetChild(string name, out Resource resource, out ChildProcess? child)
    {
        child = null;
        resource = Resources.FirstOrDefault(r => r.Name == name)!;
        if (resource is not ProcessResource { IsExternal: false }) return false;
        lock (resource) _children.TryGetValue(resource, out child);
        return true;
    }

    /// <summary>The environment the resource's process gets, with secrets masked (what the dashboard shows).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> EnvironmentOf(string name) =>
        Resources.FirstOrDefault(r => r.Name == name) is ProcessResource { IsExternal: false } process
            ? process.CreateProcessSpec(Context).Environment.OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => new KeyValuePair<string, string>(e.Key, SecretMasking.Mask(e.Key, e.Value))).ToList()
            : [];

    private static int Depth(Resource resource) => resource.WaitsFor.Count == 0 ? 0 : 1 + resource.WaitsFor.Max(Depth);

    /// <summary>Processes a killed AppHost left for this state folder would hold its ports and data files: end them.</summary>
    private void CleanUpLeftovers()
    {
        var leftovers = ChildProcess.FindByStateMarker(Context.StateDirectory);
        if (leftovers.Count == 0) return;
        Context.Progress($"ending {leftovers.Count} processes left by an earlier run for {Context.StateDirectory}");
        Task.WhenAll(leftovers.Select(ChildProcess.KillGroupAsync)).GetAwaiter().GetResult();
    }

    private void CheckPortsFree()
    {
        var taken = Resources.OfType<ProcessResource>().Where(r => !r.IsExternal)
            .SelectMany(r => r.Endpoints.Select(e => (r.Name, e.Port)))
            .Where(p => PlatformContext.PortInUse(p.Port))
            .ToList();
        if (taken.Count > 0)
            throw new InvalidOperationException("Ports already in use: " + string.Join(", ", taken.Select(t => $"{t.Name} {t.Port}")) +
                ". Stop what holds them, or run with --dynamic-ports.");
    }

    public IReadOnlyList<ResourceSnapshot> Snapshot()
    {
        var now = DateTimeOffset.UtcNow;
        return Resources.Select(r => new ResourceSnapshot(
            r.Name, r.Type, r.State.ToString(), r.Health.ToString(),
            r.Endpoints.ToDictionary(e => e.Name, e => e.Url), r.Pid, r.Restarts, r.StartedAt,
            r.StartedAt is { } started && r.State == ResourceState.Running ? Math.Round((now - started).TotalSeconds, 1) : null,
            r.ExitCode, r.Message, r.WaitsFor.Select(d => d.Name).ToList())).ToList();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
