using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using MaternityCloud.Hosting.Testing;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The AppHost as Aspire runs it (started through Aspire.Hosting.Testing): every server, database, service, the gateway
/// and the operations app become healthy; a service killed with SIGKILL is started again; and stopping the AppHost
/// leaves no process behind.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class AppHostTests
{
    private static readonly string[] Services = ["enrollment", "prenatal", "claims", "allowance", "notifications"];

    [Fact]
    public async Task Starts_every_resource_healthy_restarts_a_crashed_service_and_leaves_no_process_behind()
    {
        var state = Path.Combine(Path.GetTempPath(), "maternitycloud-apphost-" + Guid.NewGuid().ToString("N")[..8]);
        var platform = await RunningPlatform.StartAsync(state);
        var pids = new List<int>();
        try
        {
            Assert.Equal(
                ["allowance", "allowancedb", "claims", "claimsdb", "departments", "enrollment", "enrollmentdb", "localgateway", "messaging", "messaging-epmd",
                 "notifications", "notificationsdb", "operations", "postgres", "prenatal", "prenataldb", "redis"],
                platform.ResourceNames.Order());
            Assert.All(platform.ResourceNames, name => Assert.Equal(HealthStatus.Healthy, platform.Snapshot(name).HealthStatus));

            foreach (var service in Services)
            {
                using var channel = GrpcChannel.ForAddress(platform.Endpoint(service, "grpc"));
                var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
                Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
                var listed = await ListServicesAsync(channel);
                Assert.Contains("grpc.health.v1.Health", listed);
                Assert.Contains("grpc.reflection.v1alpha.ServerReflection", listed);
            }

            // Reflection serves exactly the contract's methods: what a hospital's grpcurl sees is what contracts/ declares.
            foreach (var (service, descriptor) in new[]
            {
                ("enrollment", Contracts.Enrollment.V1.Enrollment.Descriptor), ("enrollment", Contracts.Enrollment.V1.DepartmentExchange.Descriptor),
                ("prenatal", Contracts.Prenatal.V1.Prenatal.Descriptor),
                ("claims", Contracts.Claims.V1.Claims.Descriptor), ("allowance", Contracts.Allowance.V1.Allowance.Descriptor),
                ("notifications", Contracts.Notifications.V1.Notifications.Descriptor),
            })
            {
                using var channel = GrpcChannel.ForAddress(platform.Endpoint(service, "grpc"));
                Assert.Equal(descriptor.Methods.Select(m => m.Name), await ListMethodsAsync(channel, descriptor.FullName));
            }

            pids.AddRange(platform.ResourceNames.Select(platform.ProcessId).OfType<int>());
            Assert.Equal(12, pids.Count); // PostgreSQL, Redis, RabbitMQ and its epmd, five services, the gateway, the departments, operations; databases are not processes

            // The departments' stand-in sends a record with the health commission's own credential, and Enrollment takes it.
            using (var departments = new HttpClient { BaseAddress = platform.Endpoint("departments", "http") })
            {
                var birth = await departments.PostAsync("/api/records/birth-certificate", new StringContent($$"""
                    { "certificate_number": "Q330300{{Random.Shared.Next(100000, 999999)}}", "birth_date": "{{DateTime.Now.AddDays(-1):yyyy-MM-dd}}",
                      "newborn_name": "张小宝", "mother_id_number": "{{TestData.IdNumber()}}", "guardian_id_number": "{{TestData.IdNumber()}}", "guardian_name": "李娜" }
                    """));
                var receipt = await birth.Content.ReadAsStringAsync();
                Assert.True(birth.IsSuccessStatusCode, receipt);
                Assert.Contains("birth certificate recorded", receipt);
                var refused = await departments.PostAsync("/api/records/death?department=HealthCommission", new StringContent($$"""
                    { "id_number": "{{TestData.IdNumber()}}", "died_on": "{{DateTime.Now.AddDays(-1):yyyy-MM-dd}}" }
                    """));
                Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
            }

            // The README's 出生"一件事", run as a hospital integrator would: the documented script against this platform.
            var walk = await RunOneThingAsync(platform, state);
            Assert.True(walk.ExitCode == 0, walk.Output);
            Assert.Contains("Done: marriage record, spouse filing", walk.Output);

            // A service that crashes is started again (after its backoff) and becomes healthy.
            var prenatal = platform.ProcessId("prenatal")!.Value;
            ProcessTree.Kill(prenatal);
            var restarted = (int)await Eventually.Get<object>(() =>
            {
                var now = platform.Snapshot("prenatal");
                return Task.FromResult(now.State?.Text == KnownResourceStates.Running && now.HealthStatus == HealthStatus.Healthy
                    && platform.ProcessId("prenatal") is { } pid && pid != prenatal ? (object?)pid : null);
            }, TimeSpan.FromSeconds(90), "prenatal started again and healthy after kill -9");
            pids.Add(restarted);
            pids.AddRange(pids.SelectMany(ProcessTree.Children).ToList()); // and whatever they started (postgres' backends, dotnet run's service)
        }
        finally
        {
            await platform.DisposeAsync();
        }
        await Eventually.True(() => Task.FromResult(!pids.Any(ProcessTree.IsAlive)), TimeSpan.FromSeconds(30), "every process the platform started to exit");
        Assert.Empty(ProcessTree.Mentioning(state));
        try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>scripts/birth-one-thing.sh with this platform's addresses and issuer key; its output and exit code.</summary>
    private static async Task<(int ExitCode, string Output)> RunOneThingAsync(RunningPlatform platform, string state)
    {
        string Http(string resource, string endpoint = "http") => platform.Endpoint(resource, endpoint).ToString().TrimEnd('/');
        var root = MaternityCloud.Hosting.PlatformState.FindRepositoryRoot();
        var start = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(root, "scripts", "birth-one-thing.sh")])
        {
            WorkingDirectory = root,
            Environment =
            {
                ["ENROLLMENT"] = Http("enrollment"), ["PRENATAL"] = Http("prenatal"), ["CLAIMS"] = Http("claims"), ["ALLOWANCE"] = Http("allowance"),
                ["DEPARTMENTS"] = Http("departments"), ["ENROLLMENT_GRPC"] = Http("enrollment", "grpc"),
                ["CONFIGURATION"] = ChildProcess.BuildConfiguration,
                ["Auth__IssuerKeyFile"] = platform.Issuer.KeyFile,
            },
        };
        return await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(3));
    }

    private static async Task<List<string>> ListServicesAsync(GrpcChannel channel)
    {
        var response = await ReflectAsync(channel, new ServerReflectionRequest { ListServices = "" });
        return response.ListServicesResponse.Service.Select(s => s.Name).ToList();
    }

    private static async Task<List<string>> ListMethodsAsync(GrpcChannel channel, string service)
    {
        var response = await ReflectAsync(channel, new ServerReflectionRequest { FileContainingSymbol = service });
        var files = response.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom);
        return files.SelectMany(f => f.Service.Where(s => $"{f.Package}.{s.Name}" == service))
            .SelectMany(s => s.Method.Select(m => m.Name)).ToList();
    }

    private static async Task<ServerReflectionResponse> ReflectAsync(GrpcChannel channel, ServerReflectionRequest request)
    {
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current;
    }
}
