using MaternityCloud.AppHost;
using MaternityCloud.AppHost.Hosting;

// The whole platform (MaternityCloudPlatform), its telemetry sent to the dashboard, run until Ctrl-C or SIGTERM.
var reporter = new ConsoleReporter();
var builder = PlatformBuilder.Create(args, reporter.Progress).ExportTelemetryToDashboard();
MaternityCloudPlatform.Describe(builder);

await AppHostServer.RunAsync(builder.Build(), builder.Dashboard, reporter);
