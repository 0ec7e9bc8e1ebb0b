namespace MaternityCloud.AppHost;

/// <summary>
/// The Aspire dashboard on plain http on loopback (this machine has no developer certificate): its page at
/// http://127.0.0.1:17000, OTLP on the standard 4317 (gRPC) and 4318 (http/protobuf). Each setting is only a default:
/// the same variable set in the environment wins. Aspire reads them while it builds, before any configuration
/// file, hence the environment. A platform on dynamic ports (Platform:DynamicPorts=true, as tests start it inside
/// their own process) is left alone: whoever starts it passes the dashboard's addresses as arguments.
/// </summary>
public static class LocalDashboard
{
    public static void UseLoopbackHttpDefaults(string[] args)
    {
        if (args.Any(a => a.Equals("--Platform:DynamicPorts=true", StringComparison.OrdinalIgnoreCase))) return;
        static string Url(int port) => $"http://127.0.0.1:{port}";
        Default("ASPNETCORE_URLS", Url(17000));
        Default("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", Url(4317));
        Default("ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL", Url(4318));
        Default("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", Url(17001));
        Default("ASPIRE_ALLOW_UNSECURED_TRANSPORT", "true");
        Default("DOTNET_ENVIRONMENT", "Development");
    }

    private static void Default(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }
}
