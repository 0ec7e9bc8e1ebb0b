using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MaternityCloud.AppHost.Hosting;
using MaternityCloud.BuildingBlocks.Credentials;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>The AppHost as an operator runs it: its own process, free ports, a private state folder.</summary>
public static partial class AppHostProcess
{
    public static Process Start(string state, int apiPort, List<string> output)
    {
        var root = BuildLayout.RepositoryRoot;
        var dll = BuildLayout.AssemblyPath(Path.Combine(root, "AppHost"), "MaternityCloud.AppHost");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in new[] { dll, "--dynamic-ports", "--state-dir", state, "--api-port", apiPort.ToString() }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The dashboard's address and the sign-in token, as the AppHost prints them at start.</summary>
    public static async Task<(string Url, string Token)> SignInAsync(List<string> output)
    {
        var login = await Eventually.Get(() =>
        {
            lock (output) return Task.FromResult(output.Select(l => LoginLine().Match(l)).FirstOrDefault(m => m.Success));
        }, TimeSpan.FromSeconds(60), "the sign-in link printed at start");
        return (login.Groups["url"].Value, login.Groups["token"].Value);
    }

    /// <summary>A client of the dashboard's API, signed in with the bearer token.</summary>
    public static HttpClient DashboardApi(string url, string token)
    {
        var api = new HttpClient { BaseAddress = new Uri(url) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return api;
    }

    /// <summary>
    /// A gRPC client channel to a service of the AppHost in <paramref name="state"/>, presenting credentials signed by
    /// the issuer key the AppHost made there, chosen per request as a hospital's or an operator's client would.
    /// </summary>
    public static CallInvoker ServiceChannel(string state, string grpcUrl) =>
        GrpcChannel.ForAddress(grpcUrl).Intercept(new TestCredentials.ActAsTheRequestSays(
            TestCredentials.IssuedBy(IssuerKeyFile.Load(Path.Combine(state, "credentials", "issuer.key")))));

    /// <summary>Kills whatever is left of a test's AppHost and removes its state folder.</summary>
    public static async Task CleanUpAsync(Process apphost, string state)
    {
        if (!apphost.HasExited) apphost.Kill(entireProcessTree: true);
        foreach (var pid in ChildProcess.FindByStateMarker(state)) await ChildProcess.KillGroupAsync(pid);
        try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"dashboard: (?<url>http://127\.0\.0\.1:\d+)/login\?t=(?<token>[A-Za-z0-9_.\-]+)")]
    private static partial Regex LoginLine();
}

/// <summary>Tests that each run a whole AppHost take turns: two platforms at once would starve two cores.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    public const string Name = "apphost";
}
