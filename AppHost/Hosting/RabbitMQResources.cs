using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// The Erlang port mapper RabbitMQ registers with, on its own port and in the foreground, so it is the AppHost's
/// child and stops with it (left to itself, RabbitMQ would start a daemon that outlives everything).
/// </summary>
public sealed class EpmdResource(string name, int port) : ProcessResource(name)
{
    public override string Type => "Erlang port mapper";
    public int Port { get; } = port;
    public override IReadOnlyList<Endpoint> Endpoints => [new("tcp", "tcp", Port)];

    public override ProcessSpec CreateProcessSpec(PlatformContext context) =>
        new(PlatformContext.FindProgram("epmd", "erlang-base", "/usr/bin/epmd"), ["-port", Port.ToString(), "-address", "127.0.0.1"],
            new Dictionary<string, string>(), context.ResourceDirectory(Name));

    public override Task<bool> CheckHealthAsync(CancellationToken ct) => TcpProbe.CanConnectAsync("127.0.0.1", Port, ct);
}

/// <summary>RabbitMQ from the machine's packages, with the management API (queues, vhosts) on loopback.</summary>
public sealed class RabbitMQResource : ProcessResource, IResourceWithConnectionString
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly string? _external;

    public RabbitMQResource(string name, int amqpPort, int managementPort, int distributionPort, EpmdResource? epmd, string? externalConnectionString)
        : base(name)
    {
        _external = externalConnectionString;
        AmqpPort = amqpPort;
        ManagementPort = managementPort;
        DistributionPort = distributionPort;
        Epmd = epmd;
    }

    public override string Type => "RabbitMQ";
    public override bool IsExternal => _external is not null;
    public int AmqpPort { get; }
    public int ManagementPort { get; }
    public int DistributionPort { get; }
    public override IReadOnlyList<Endpoint> Endpoints =>
        IsExternal ? [] : [new("tcp", "amqp", AmqpPort), new("management", "http", ManagementPort)];
    public EpmdResource? Epmd { get; }
    public string ConnectionString => _external ?? $"amqp://guest:guest@127.0.0.1:{AmqpPort}";
    public string ManagementUrl => $"http://127.0.0.1:{ManagementPort}";

    public override async Task PrepareAsync(PlatformContext context, CancellationToken ct)
    {
        var directory = context.ResourceDirectory(Name);
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"),
            $"""
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {ManagementPort}
            disk_free_limit.absolute = 50MB
            collect_statistics_interval = 1000
            """, ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[rabbitmq_management].", ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq-env.conf"), "", ct);
    }

    public override ProcessSpec CreateProcessSpec(PlatformContext context)
    {
        // The /usr/sbin wrapper switches user; the script under /usr/lib runs the broker as we are.
        var program = PlatformContext.FindProgram("rabbitmq-server", "rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server");
        var directory = context.ResourceDirectory(Name);
        return new ProcessSpec(program, [], Environment(directory), directory) { StopTimeout = TimeSpan.FromSeconds(40) };
    }

    private Dictionary<string, string> Environment(string directory) => new()
    {
        ["HOME"] = directory,
        ["RABBITMQ_NODENAME"] = $"maternitycloud{AmqpPort}@localhost",
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(),
        ["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["ERL_EPMD_PORT"] = (Epmd?.Port ?? 4369).ToString(),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
        ["RABBITMQ_LOGS"] = "-",
        ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "rabbitmq.pid"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
        ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "rabbitmq-env.conf"),
    };

    public override async Task<bool> CheckHealthAsync(CancellationToken ct)
    {
        if (IsExternal)
        {
            var uri = new Uri(ConnectionString);
            return await TcpProbe.CanConnectAsync(uri.Host, uri.IsDefaultPort ? 5672 : uri.Port, ct);
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{ManagementUrl}/api/health/checks/alarms");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
            using var response = await Http.SendAsync(request, ct);
            return response.IsSuccessStatusCode && await TcpProbe.CanConnectAsync("127.0.0.1", AmqpPort, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Message counts of a queue as the management API reports them (refreshed every second).</summary>
    public async Task<QueueCounts> GetQueueCountsAsync(string virtualHost, string queue, CancellationToken ct)
    {
        var json = await ManagementAsync(HttpMethod.Get, $"/api/queues/{Uri.EscapeDataString(virtualHost)}/{Uri.EscapeDataString(queue)}", null, ct);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        long Read(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        var acknowledged = root.TryGetProperty("message_stats", out var stats) ? Read(stats, "ack") : 0;
        return new QueueCounts(Read(root, "messages_ready"), Read(root, "messages_unacknowledged"), acknowledged);
    }

    /// <summary>A virtual host with full rights for guest: how tests isolate each other on one broker.</summary>
    public async Task CreateVirtualHostAsync(string virtualHost, CancellationToken ct)
    {
        var name = Uri.EscapeDataString(virtualHost);
        await ManagementAsync(HttpMethod.Put, $"/api/vhosts/{name}", null, ct);
        await ManagementAsync(HttpMethod.Put, $"/api/permissions/{name}/guest",
            """{"configure":".*","write":".*","read":".*"}""", ct);
    }

    /// <summary>A call to the management API; fails with the broker's answer.</summary>
    public async Task<string> ManagementAsync(HttpMethod method, string path, string? jsonBody, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, ManagementUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        if (jsonBody is not null) request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"RabbitMQ management {method} {path}: {(int)response.StatusCode} {body}");
        return body;
    }
}

/// <summary>Ready and unacknowledged messages now, and messages acknowledged since the queue was created.</summary>
public sealed record QueueCounts(long Ready, long Unacknowledged, long Acknowledged);

public static class TcpProbe
{
    public static async Task<bool> CanConnectAsync(string host, int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
