using Grpc.Core;
using Grpc.Net.Client;
using MaternityCloud.Cli;
using MaternityCloud.Contracts.Enrollment.V1;

// maternitycloud import-contributions <file.csv> [--enrollment http://127.0.0.1:17101]
if (args.Length < 2 || args[0] != "import-contributions")
{
    Console.Error.WriteLine("usage: maternitycloud import-contributions <file.csv> [--enrollment <grpc address>]");
    return 2;
}

var address = Option("--enrollment")
    ?? Environment.GetEnvironmentVariable("services__enrollment__grpc__0")
    ?? "http://127.0.0.1:17101";
using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
await using var file = File.OpenRead(args[1]);
var started = DateTime.UtcNow;
try
{
    var summary = await ContributionCsvImport.RunAsync(file, new Enrollment.EnrollmentClient(channel),
        message => Console.Error.WriteLine($"[{DateTime.UtcNow - started:mm\\:ss}] {message}"), CancellationToken.None);

    Console.WriteLine($"{summary.Lines:N0} data lines, {summary.Stored:N0} stored, {summary.Rejected.Count:N0} rejected");
    var report = args[1] + ".rejected.csv";
    if (summary.Rejected.Count > 0)
    {
        await File.WriteAllLinesAsync(report, ["line,field,reason", .. summary.Rejected.Select(r => $"{r.Line},{r.Field},\"{r.Reason.Replace("\"", "\"\"")}\"")]);
        foreach (var (line, field, reason) in summary.Rejected.Take(20)) Console.WriteLine($"  line {line}: {field} {reason}");
        if (summary.Rejected.Count > 20) Console.WriteLine($"  ... and {summary.Rejected.Count - 20} more");
        Console.WriteLine($"every rejected line: {report}");
    }
    return summary.Rejected.Count == 0 ? 0 : 1;
}
catch (Exception e) when (e is RpcException or FormatException or IOException)
{
    Console.Error.WriteLine($"import failed, nothing was stored: {e.Message}");
    return 3;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
