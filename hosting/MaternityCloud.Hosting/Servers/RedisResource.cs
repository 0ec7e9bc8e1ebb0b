using System.Net.Sockets;
using System.Text;
using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MaternityCloud.Hosting.Servers;

/// <summary>
/// Redis from the machine's packages: append-only file under the state folder, so a restart keeps its data; on SIGTERM
/// it flushes the file and exits.
/// </summary>
public sealed class RedisServerResource(string name, string workingDirectory, string program)
    : ExecutableResource(name, program, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}");
}

public static class RedisBuilderExtensions
{
    /// <summary>The server given as <c>ConnectionStrings__{name}</c>, else a local Redis on <paramref name="port"/>.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, int port)
    {
        if (builder.Configuration.GetConnectionString(name) is { Length: > 0 })
            return builder.AddConnectionString(name);

        var state = PlatformState.Of(builder);
        var directory = state.ResourceDirectory(name);
        port = state.Port(port);
        var redis = new RedisServerResource(name, directory, MachinePrograms.Find("redis-server", "redis-server", "/usr/bin/redis-server"));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async ct =>
            await PingAsync(port, ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Redis does not answer PING"));
        return builder.AddResource(redis)
            .WithArgs("--port", port.ToString(), "--bind", "127.0.0.1", "--dir", directory, "--daemonize", "no",
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--logfile", "")
            .WithEndpoint(port: port, targetPort: port, name: RedisServerResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithHealthCheck(healthCheck)
            .WithIconName("Memory");
    }

    private static async Task<bool> PingAsync(int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
