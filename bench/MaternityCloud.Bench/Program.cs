using BenchmarkDotNet.Running;
using MaternityCloud.Bench;

// dotnet run -c Release --project bench/MaternityCloud.Bench -- eligibility [--small N] [--large N] [--calls N] [--concurrency N] [--shared-buffers 2GB]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- settlement [--persons N] [--calls N] [--concurrency N] [--telemetry on|off]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- allowance [--events N] [--telemetry on|off]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- notifications [--burst N] [--backlog N] [--telemetry on|off]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- micro   (BenchmarkDotNet, in-process hot paths)
var command = args.FirstOrDefault() ?? "eligibility";
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

string Text(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

switch (command)
{
    case "eligibility":
        return await EligibilityBench.RunAsync(Option("--small", 10_000), Option("--large", 1_000_000), Option("--calls", 20_000), Option("--concurrency", 32),
            Text("--shared-buffers", "2GB"));
    case "settlement":
        return await SettlementBench.RunAsync(Option("--persons", 20_000), Option("--calls", 5_000), Option("--concurrency", 32),
            Text("--telemetry", "on") != "off");
    case "allowance":
        return await AllowanceBench.RunAsync(Option("--events", 100_000), Text("--telemetry", "on") != "off");
    case "notifications":
        return await NotificationsBench.RunAsync(Option("--burst", 20_000), Option("--backlog", 100_000), Text("--telemetry", "on") != "off");
    case "micro":
        BenchmarkSwitcher.FromAssembly(typeof(EligibilityRulesBench).Assembly).Run(args.Skip(1).ToArray());
        return 0;
    default:
        Console.Error.WriteLine("usage: eligibility [--small N] [--large N] [--calls N] [--concurrency N] | settlement [--persons N] [--calls N] [--concurrency N] [--telemetry on|off] | allowance [--events N] [--telemetry on|off] | notifications [--burst N] [--backlog N] [--telemetry on|off] | micro [BenchmarkDotNet options]");
        return 2;
}
