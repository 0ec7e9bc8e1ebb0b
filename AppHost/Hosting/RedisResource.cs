using System.Net.Sockets;
using System.Text;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>Redis from the machine's packages, append-only file under the state folder (a restart keeps its data).</summary>
public sealed class RedisResource(string name, int port, string? externalConnectionString)
    : ProcessResource(name), IResourceWithConnectionString
{
    private string _program = "";

    public override string Type => "Redis";
    public override bool IsExternal => externalConnectionString is not null;
    public int Port { get; } = port;
    public override IReadOnlyList<Endpoint> Endpoints => IsExternal ? [] : [new("tcp", "tcp", Port)];
    public string ConnectionString => externalConnectionString ?? $"127.0.0.1:{Port}";

    public override Task PrepareAsync(PlatformContext context, CancellationToken ct)
    {
        _program = PlatformContext.FindProgram("redis-server", "redis-server", "/usr/bin/redis-server");
        return Task.CompletedTask;
    }

    public override ProcessSpec CreateProcessSpec(PlatformContext context)
    {
        var directory = context.ResourceDirectory(Name);
        return new ProcessSpec(_program,
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", directory, "--daemonize", "no",
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--logfile", ""],
            new Dictionary<string, string>(), directory);
    }

    public override async Task<bool> CheckHealthAsync(CancellationToken ct)
    {
        var (host, port) = HostAndPort(ConnectionString);
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(host, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            // "+PONG"; a password-protected server answers "-NOAUTH", which still proves it is up.
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static (string Host, int Port) HostAndPort(string connectionString)
    {
        var endpoint = connectionString.Split(',')[0].Trim();
        var colon = endpoint.LastIndexOf(':');
        return colon < 0 ? (endpoint, 6379) : (endpoint[..colon], int.Parse(endpoint[(colon + 1)..]));
    }
}
