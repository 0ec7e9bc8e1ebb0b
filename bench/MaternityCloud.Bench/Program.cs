using BenchmarkDotNet.Running;
using MaternityCloud.Bench;

// dotnet run -c Release --project bench/MaternityCloud.Bench -- performance [--persons N] [--large N] [--pregnancies N] [--spans N] [--pipeline-rate N] [--concurrency N] [--env NAME=VALUE]... [--apphost KEY=VALUE]... [--dashboard off] [--statements off]
//   (the whole table, issue 9: `make bench`; the commands below drill into one area each)
// dotnet run -c Release --project bench/MaternityCloud.Bench -- eligibility [--small N] [--large N] [--calls N] [--concurrency N] [--shared-buffers 2GB]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- settlement [--persons N] [--calls N] [--concurrency N] [--telemetry on|off]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- allowance [--events N] [--telemetry on|off]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- notifications [--burst N] [--backlog N] [--telemetry on|off]
// dotnet run -c Release --project bench/MaternityCloud.Bench -- micro   (BenchmarkDotNet, in-process hot paths)
// dotnet run -c Release --project bench/MaternityCloud.Bench -- raw-rabbit [--count N] [--rate N]   (the pipeline's baseline alone)
var command = args.FirstOrDefault() ?? "performance";
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
    case "performance":
        return await PerformanceBench.RunAsync(new PerformanceOptions(Option("--persons", 10_000), Option("--large", 1_000_000), Option("--pregnancies", 100_000),
            Option("--spans", 100_000), Option("--pipeline-rate", 200), Option("--concurrency", 32),
            // --env NAME=VALUE (repeatable): set on every service the AppHost starts.
            args.Select((a, i) => (a, i)).Where(p => p.a == "--env" && p.i + 1 < args.Length).Select(p => args[p.i + 1].Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""))
        {
            Dashboard = Text("--dashboard", "on") != "off",
            Statements = Text("--statements", "on") != "off",
            // --apphost KEY=VALUE (repeatable): the AppHost's configuration, e.g. Telemetry:TraceSampleRatio=1.
            AppHostArguments = args.Select((a, i) => (a, i)).Where(p => p.a == "--apphost" && p.i + 1 < args.Length).Select(p => "--" + args[p.i + 1]).ToList(),
        });
    case "raw-rabbit":
    {
        // The pipeline's baseline alone, on the platform's RabbitMQ started by the same hosting code.
        var state = BenchState.NewFolder();
        await using var servers = await MaternityCloud.Hosting.Testing.RunningPlatform.StartServersAsync(state, MaternityCloud.Hosting.Testing.Servers.Messaging);
        var raw = await RawRabbitBaseline.RunAsync(new Uri((await servers.ConnectionStringAsync("messaging"))!), Option("--count", 3000), Option("--rate", 200));
        Console.WriteLine($"raw RabbitMQ.Client: {raw.Calls} in {raw.Seconds:0.0} s, p50 {raw.P50Ms:0.0} ms, p99 {raw.P99Ms:0.0} ms");
        return 0;
    }
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
        Console.Error.WriteLine("usage: performance [--persons N] [--large N] [--pregnancies N] [--spans N] [--pipeline-rate N] [--concurrency N] [--env NAME=VALUE]... | eligibility [--small N] [--large N] [--calls N] [--concurrency N] | settlement [--persons N] [--calls N] [--concurrency N] [--telemetry on|off] | allowance [--events N] [--telemetry on|off] | notifications [--burst N] [--backlog N] [--telemetry on|off] | micro [BenchmarkDotNet options]");
        return 2;
}
