using System.Net.Http.Headers;
using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MaternityCloud.Hosting.Servers;

/// <summary>
/// The Erlang port mapper RabbitMQ registers with, on its own port and in the foreground, so the orchestrator owns it
/// (left to itself, RabbitMQ would start a daemon that outlives everything).
/// </summary>
/// Not a child resource: RabbitMQ waits for it, and Aspire does not let a resource wait for its own child.
public sealed class ErlangPortMapperResource(string name, string workingDirectory, string program)
    : ExecutableResource(name, program, workingDirectory);

/// <summary>RabbitMQ from the machine's packages, with the management API (queues, virtual hosts) on loopback.</summary>
public sealed class RabbitMQServerResource(string name, string workingDirectory, string program)
    : ExecutableResource(name, program, workingDirectory), IResourceWithConnectionString
{
    public const string AmqpEndpointName = "tcp";
    public const string ManagementEndpointName = "management";

    public EndpointReference Amqp => new(this, AmqpEndpointName);
    public EndpointReference Management => new(this, ManagementEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://guest:guest@127.0.0.1:{Amqp.Property(EndpointProperty.Port)}");
}

public static class RabbitMQBuilderExtensions
{
    /// <summary>
    /// The broker given as <c>ConnectionStrings__{name}</c>, else a local RabbitMQ with the management plugin.
    /// </summary>
    /// <param name="ports">AMQP, management API, Erlang distribution, Erlang port mapper.</param>
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalRabbitMQ(this IDistributedApplicationBuilder builder,
        string name, (int Amqp, int Management, int Distribution, int PortMapper) ports)
    {
        if (builder.Configuration.GetConnectionString(name) is { Length: > 0 })
            return builder.AddConnectionString(name);

        var state = PlatformState.Of(builder);
        var directory = state.ResourceDirectory(name);
        var (amqp, management, distribution, portMapper) = (state.Port(ports.Amqp), state.Port(ports.Management), state.Port(ports.Distribution), state.Port(ports.PortMapper));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        File.WriteAllText(Path.Combine(directory, "rabbitmq.conf"),
            $"""
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {management}
            disk_free_limit.absolute = 50MB
            collect_statistics_interval = 1000
            """);
        File.WriteAllText(Path.Combine(directory, "enabled_plugins"), "[rabbitmq_management].");
        File.WriteAllText(Path.Combine(directory, "rabbitmq-env.conf"), "");

        var rabbit = new RabbitMQServerResource(name, directory,
            MachinePrograms.Find("rabbitmq-server", "rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")); // the /usr/sbin wrapper switches user
        var epmd = new ErlangPortMapperResource($"{name}-epmd", directory, MachinePrograms.Find("epmd", "erlang-base", "/usr/bin/epmd"));
        var epmdBuilder = builder.AddResource(epmd)
            .WithArgs("-port", portMapper.ToString(), "-address", "127.0.0.1")
            .WithEndpoint(port: portMapper, targetPort: portMapper, name: "tcp", scheme: "tcp", isProxied: false);

        var healthCheck = $"{name}_check";
        var managementApi = new RabbitMQManagement(new Uri($"http://127.0.0.1:{management}"));
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async ct =>
            await managementApi.IsHealthyAsync(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("RabbitMQ's management API reports no healthy node"));
        return builder.AddResource(rabbit)
            .WithEnvironment("HOME", directory)
            .WithEnvironment("RABBITMQ_NODENAME", "maternitycloud" + amqp + "@localhost")
            .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .WithEnvironment("RABBITMQ_NODE_PORT", amqp.ToString())
            .WithEnvironment("RABBITMQ_DIST_PORT", distribution.ToString())
            .WithEnvironment("ERL_EPMD_ADDRESS", "127.0.0.1")
            .WithEnvironment("ERL_EPMD_PORT", portMapper.ToString())
            .WithEnvironment("RABBITMQ_MNESIA_BASE", Path.Combine(directory, "mnesia"))
            .WithEnvironment("RABBITMQ_LOG_BASE", Path.Combine(directory, "log"))
            .WithEnvironment("RABBITMQ_LOGS", "-")
            .WithEnvironment("RABBITMQ_PID_FILE", Path.Combine(directory, "rabbitmq.pid"))
            .WithEnvironment("RABBITMQ_CONFIG_FILE", Path.Combine(directory, "rabbitmq.conf"))
            .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", Path.Combine(directory, "enabled_plugins"))
            .WithEnvironment("RABBITMQ_CONF_ENV_FILE", Path.Combine(directory, "rabbitmq-env.conf"))
            // Keeps the Erlang distribution listener on loopback too.
            .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}")
            .WithEndpoint(port: amqp, targetPort: amqp, name: RabbitMQServerResource.AmqpEndpointName, scheme: "amqp", isProxied: false)
            .WithEndpoint(port: management, targetPort: management, name: RabbitMQServerResource.ManagementEndpointName, scheme: "http", isProxied: false)
            .WithHealthCheck(healthCheck)
            .WithIconName("Mail")
            .WaitFor(epmdBuilder);
    }
}

/// <summary>RabbitMQ's management API as the platform uses it: health, queue counts, virtual hosts (guest on loopback).</summary>
public sealed class RabbitMQManagement(Uri baseAddress)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public Uri BaseAddress { get; } = baseAddress;

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            await CallAsync(HttpMethod.Get, "/api/health/checks/alarms", null, ct);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A virtual host with full rights for guest: how tests isolate each other on one broker.</summary>
    public async Task CreateVirtualHostAsync(string virtualHost, CancellationToken ct)
    {
        var name = Uri.EscapeDataString(virtualHost);
        await CallAsync(HttpMethod.Put, $"/api/vhosts/{name}", null, ct);
        await CallAsync(HttpMethod.Put, $"/api/permissions/{name}/guest", """{"configure":".*","write":".*","read":".*"}""", ct);
    }

    /// <summary>Message counts of a queue as the management API reports them (refreshed every second).</summary>
    public async Task<QueueCounts> GetQueueCountsAsync(string virtualHost, string queue, CancellationToken ct)
    {
        var json = await CallAsync(HttpMethod.Get, $"/api/queues/{Uri.EscapeDataString(virtualHost)}/{Uri.EscapeDataString(queue)}", null, ct);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        static long Read(System.Text.Json.JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetInt64() : 0;
        var acknowledged = root.TryGetProperty("message_stats", out var stats) ? Read(stats, "ack") : 0;
        return new QueueCounts(Read(root, "messages_ready"), Read(root, "messages_unacknowledged"), acknowledged);
    }

    /// <summary>Every queue of every virtual host with its ready and unacknowledged messages.</summary>
    public async Task<IReadOnlyList<(string Name, long Ready, long Unacknowledged)>> QueuesAsync(CancellationToken ct)
    {
        using var document = System.Text.Json.JsonDocument.Parse(await CallAsync(HttpMethod.Get, "/api/queues", null, ct));
        static long Read(System.Text.Json.JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetInt64() : 0;
        return document.RootElement.EnumerateArray()
            .Select(q => (q.GetProperty("name").GetString()!, Read(q, "messages_ready"), Read(q, "messages_unacknowledged"))).ToList();
    }

    /// <summary>A call to the management API; fails with the broker's answer.</summary>
    public async Task<string> CallAsync(HttpMethod method, string path, string? jsonBody, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        if (jsonBody is not null) request.Content = new StringContent(jsonBody, System.Text.Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"RabbitMQ management {method} {path}: {(int)response.StatusCode} {body}");
        return body;
    }
}

/// <summary>Ready and unacknowledged messages now, and messages acknowledged since the queue was created.</summary>
public sealed record QueueCounts(long Ready, long Unacknowledged, long Acknowledged);
