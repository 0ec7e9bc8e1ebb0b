using System.Collections.Concurrent;

namespace MaternityCloud.AppHost.Hosting;

public enum ResourceState { Waiting, Starting, Running, Restarting, Exited, Stopping, Stopped, Failed, External }

public enum HealthStatus { Unknown, Healthy, Unhealthy }

/// <summary>A named endpoint of a resource ("grpc", "http", "tcp", ...), as service discovery sees it.</summary>
public sealed record Endpoint(string Name, string Scheme, int Port)
{
    public string Url => $"{Scheme}://127.0.0.1:{Port}";
}

public sealed record ConsoleLine(long Sequence, DateTimeOffset At, string Text);

/// <summary>Anything the AppHost runs or connects to, with the name every service uses for it.</summary>
public abstract class Resource(string name)
{
    private const int ConsoleLines = 2000;
    private readonly ConcurrentQueue<ConsoleLine> _console = new();
    private long _consoleSequence;

    public string Name { get; } = name;
    public abstract string Type { get; }
    public ResourceState State { get; set; } = ResourceState.Waiting;
    public HealthStatus Health { get; set; } = HealthStatus.Unknown;
    public abstract IReadOnlyList<Endpoint> Endpoints { get; }
    public List<Resource> WaitsFor { get; } = [];
    public int? Pid { get; set; }
    public int Restarts { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public int? ExitCode { get; set; }
    public string? Message { get; set; }

    /// <summary>Recent console output, bounded (the whole of it is in the resource's log file), numbered for live tails.</summary>
    public IReadOnlyCollection<ConsoleLine> RecentOutput => _console;

    /// <summary>Held stopped by an operator: not restarted until started again.</summary>
    public bool HeldStopped { get; set; }
    /// <summary>An operator asked for a restart: the next exit is restarted at once.</summary>
    public bool RestartRequested { get; set; }

    public Endpoint GetEndpoint(string endpointName) =>
        Endpoints.FirstOrDefault(e => e.Name == endpointName)
        ?? throw new InvalidOperationException($"Resource '{Name}' has no endpoint '{endpointName}'.");

    internal void AppendOutput(string line)
    {
        _console.Enqueue(new ConsoleLine(Interlocked.Increment(ref _consoleSequence), DateTimeOffset.UtcNow, line));
        while (_console.Count > ConsoleLines) _console.TryDequeue(out _);
    }

    /// <summary>Whether the resource is ready to be used by those that wait for it.</summary>
    public abstract Task<bool> CheckHealthAsync(CancellationToken ct);
}

/// <summary>A resource others connect to with a connection string, injected as ConnectionStrings__{name}.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }
    string ConnectionString { get; }
}

/// <summary>A resource that is a local process the AppHost starts, watches and restarts.</summary>
public abstract class ProcessResource(string name) : Resource(name)
{
    /// <summary>Null when the operator gave a connection string instead: nothing is started then.</summary>
    public virtual bool IsExternal => false;

    /// <summary>One-time preparation before the first start (create a data folder, initdb, ...).</summary>
    public virtual Task PrepareAsync(PlatformContext context, CancellationToken ct) => Task.CompletedTask;

    public abstract ProcessSpec CreateProcessSpec(PlatformContext context);

    /// <summary>Work once healthy, before dependants are released (create databases, ...).</summary>
    public virtual Task OnHealthyAsync(PlatformContext context, CancellationToken ct) => Task.CompletedTask;
}
