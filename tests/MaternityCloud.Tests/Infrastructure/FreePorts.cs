using System.Net;
using System.Net.Sockets;

namespace MaternityCloud.Tests.Infrastructure;

public static class FreePorts
{
    /// <summary>Distinct free loopback ports (outside RabbitMQ's CLI range 35672-35682).</summary>
    public static int[] Take(int count)
    {
        var ports = new HashSet<int>();
        while (ports.Count < count)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (port is < 35672 or > 35682) ports.Add(port);
        }
        return [.. ports];
    }
}
