using System.Diagnostics;
using System.Text.RegularExpressions;
using MaternityCloud.Hosting;
using MaternityCloud.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MaternityCloud.Tests.Deployment;

/// <summary>
/// deploy/kubernetes checked offline, as no cluster runs here: every document against the Kubernetes and KEDA JSON
/// schemas (kubernetes-models, unknown fields included) and the platform's own rules (probes, ports, autoscaling, the
/// issuer's private key nowhere, migrations as Jobs), by deploy/kubernetes/validate. A broken copy must fail.
/// </summary>
public sealed partial class KubernetesManifestTests(ITestOutputHelper output)
{
    private static readonly string Root = PlatformState.FindRepositoryRoot();
    private static readonly string Manifests = Path.Combine(Root, "deploy", "kubernetes");
    private static readonly string Validator = Path.Combine(Manifests, "validate");
    private static readonly SemaphoreSlim Install = new(1, 1);

    [Fact]
    public async Task The_manifests_are_valid_Kubernetes_and_keep_the_platform_rules()
    {
        var (exit, text) = await ValidateAsync(Manifests);
        output.WriteLine(text);
        var summary = Summary().Match(text);
        Assert.True(summary.Success, text);
        Console.WriteLine("[kubernetes] " + summary.Value);
        Assert.Equal("0", summary.Groups["failures"].Value);
        Assert.Equal(0, exit);
        Assert.True(int.Parse(summary.Groups["documents"].Value) >= 50, summary.Value); // every service's Deployment, Services, PDB, autoscaler, Job
    }

    [Fact]
    public async Task A_copy_with_an_unknown_field_a_wrong_probe_and_a_private_key_is_refused()
    {
        var copy = Path.Combine(Path.GetTempPath(), "maternitycloud-k8s-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            CopyManifests(Manifests, copy);
            Edit(Path.Combine(copy, "base", "claims.yaml"), "  replicas: 2\n", "  replica: 2\n");
            Edit(Path.Combine(copy, "base", "allowance.yaml"), "path: /health\n", "path: /healthz\n");
            Edit(Path.Combine(copy, "base", "platform-config.yaml"), "-----BEGIN PUBLIC KEY-----", "-----BEGIN PRIVATE KEY-----");

            var (exit, text) = await ValidateAsync(copy);
            output.WriteLine(text);
            Assert.NotEqual(0, exit);
            Assert.Contains("Deployment/claims: /spec/replica: unknown field", text);
            Assert.Matches("allowance.*readinessProbe", text);
            Assert.Matches("issuer-public-key.*private key", text);
        }
        finally
        {
            try { Directory.Delete(copy, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<(int Exit, string Text)> ValidateAsync(string directory)
    {
        await Install.WaitAsync();
        try
        {
            // The schemas come from npm (package-lock.json pins them); installed once per checkout.
            if (!Directory.Exists(Path.Combine(Validator, "node_modules")))
            {
                var (code, text) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], Validator);
                Assert.True(code == 0, "npm ci failed: " + text);
            }
        }
        finally { Install.Release(); }
        return await RunAsync("node", [Path.Combine(Validator, "validate.mjs"), directory], Validator);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, string workingDirectory) =>
        ChildProcess.RunAsync(new ProcessStartInfo(program, arguments) { WorkingDirectory = workingDirectory }, TimeSpan.FromMinutes(5));

    /// <summary>The manifests without the validator (its node_modules would be copied, and validated, for nothing).</summary>
    private static void CopyManifests(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("validate" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }

    private static void Edit(string file, string from, string to)
    {
        var text = File.ReadAllText(file);
        Assert.Contains(from, text); // the test's own premise: the line it breaks is there
        File.WriteAllText(file, text.Replace(from, to));
    }

    [GeneratedRegex(@"kubernetes manifests: (?<documents>\d+) documents valid, (?<failures>\d+) failures")]
    private static partial Regex Summary();
}
