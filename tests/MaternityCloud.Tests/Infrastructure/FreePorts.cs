using MaternityCloud.Hosting;

namespace MaternityCloud.Tests.Infrastructure;

public static class FreePorts
{
    /// <summary>Distinct free loopback ports, found the way the AppHost finds them.</summary>
    public static int[] Take(int count) => Enumerable.Range(0, count).Select(_ => PlatformState.FreePort()).ToArray();
}
