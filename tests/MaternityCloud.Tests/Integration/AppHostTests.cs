using System.Diagnostics;
using System.Net.Http.Json;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using MaternityCloud.AppHost.Hosting;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The AppHost as an operator runs it: a separate process that brings every server and service to healthy, serves
/// /api/resources, and on SIGTERM stops everything it started, leaving no process behind.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class AppHostTests
{
    private static readonly string[] Services = ["enrollment", "prenatal", "claims", "allowance", "notifications"];

    [Fact]
    public async Task Starts_every_resource_healthy_and_leaves_no_process_behind_on_SIGTERM()
    {
        var state = Path.Combine(Path.GetTempPath(), "maternitycloud-apphost-" + Guid.NewGuid().ToString("N")[..8]);
        var apiPort = FreePorts.Take(1)[0];
        var output = new List<string>();
        using var apphost = AppHostProcess.Start(state, apiPort, output);
        try
        {
            var (url, token) = await AppHostProcess.SignInAsync(output);
            using var http = AppHostProcess.DashboardApi(url, token);
            var resources = await Eventually.Get(async () =>
            {
                var list = await http.GetFromJsonAsync<List<ResourceSnapshot>>("/api/resources");
                return list is { Count: > 0 } && list.All(r => r.Health == "Healthy") ? list : null;
            }, TimeSpan.FromMinutes(3), "every resource healthy");

            Assert.Equal(
                ["allowance", "allowancedb", "claims", "claimsdb", "enrollment", "enrollmentdb", "localgateway", "messaging", "messaging-epmd",
                 "notifications", "notificationsdb", "postgres", "prenatal", "prenataldb", "redis"],
                resources.Select(r => r.Name).Order());

            foreach (var service in resources.Where(r => Services.Contains(r.Name)))
            {
                using var channel = GrpcChannel.ForAddress(service.Endpoints["grpc"]);
                var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
                Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
                var listed = await ListServicesAsync(channel);
                Assert.Contains("grpc.health.v1.Health", listed);
                Assert.Contains("grpc.reflection.v1alpha.ServerReflection", listed);
            }

            var enrollment = resources.Single(r => r.Name == "enrollment");
            using (var channel = GrpcChannel.ForAddress(enrollment.Endpoints["grpc"]))
            {
                Assert.Contains("maternitycloud.enrollment.v1.Enrollment", await ListServicesAsync(channel));
                // Reflection serves exactly the contract's methods: what a hospital's grpcurl sees is what contracts/ declares.
                Assert.Equal(Contracts.Enrollment.V1.Enrollment.Descriptor.Methods.Select(m => m.Name),
                    await ListMethodsAsync(channel, "maternitycloud.enrollment.v1.Enrollment"));
                Assert.Contains("CheckEligibility", await ListMethodsAsync(channel, "maternitycloud.enrollment.v1.Enrollment"));
            }
            using (var channel = GrpcChannel.ForAddress(resources.Single(r => r.Name == "prenatal").Endpoints["grpc"]))
            {
                Assert.Equal(Contracts.Prenatal.V1.Prenatal.Descriptor.Methods.Select(m => m.Name),
                    await ListMethodsAsync(channel, "maternitycloud.prenatal.v1.Prenatal"));
            }
            using (var channel = GrpcChannel.ForAddress(resources.Single(r => r.Name == "claims").Endpoints["grpc"]))
            {
                Assert.Equal(Contracts.Claims.V1.Claims.Descriptor.Methods.Select(m => m.Name),
                    await ListMethodsAsync(channel, "maternitycloud.claims.v1.Claims"));
            }
            using (var channel = GrpcChannel.ForAddress(resources.Single(r => r.Name == "allowance").Endpoints["grpc"]))
            {
                Assert.Equal(Contracts.Allowance.V1.Allowance.Descriptor.Methods.Select(m => m.Name),
                    await ListMethodsAsync(channel, "maternitycloud.allowance.v1.Allowance"));
            }
            using (var channel = GrpcChannel.ForAddress(resources.Single(r => r.Name == "notifications").Endpoints["grpc"]))
            {
                Assert.Equal(Contracts.Notifications.V1.Notifications.Descriptor.Methods.Select(m => m.Name),
                    await ListMethodsAsync(channel, "maternitycloud.notifications.v1.Notifications"));
            }

            // A service that crashes is restarted (after its backoff) and becomes healthy again.
            var prenatal = resources.Single(r => r.Name == "prenatal");
            Signals.Send(prenatal.Pid!.Value, Signals.SIGKILL);
            var restarted = await Eventually.Get(async () =>
            {
                var now = (await http.GetFromJsonAsync<List<ResourceSnapshot>>("/api/resources"))!.Single(r => r.Name == "prenatal");
                return now is { Restarts: 1, Health: "Healthy", State: "Running" } && now.Pid != prenatal.Pid ? now : null;
            }, TimeSpan.FromSeconds(60), "prenatal restarted and healthy after kill -9");
            Assert.Equal(137, restarted.ExitCode); // 128 + SIGKILL, as the resource list reports it

            resources = (await http.GetFromJsonAsync<List<ResourceSnapshot>>("/api/resources"))!;
            var pids = resources.Where(r => r.Pid is not null).Select(r => r.Pid!.Value).Append(prenatal.Pid!.Value).ToList();
            Assert.Equal(11, pids.Count); // PostgreSQL, Redis, RabbitMQ and its epmd, five services (one twice), the local gateway; databases are not processes
            Assert.NotEmpty(ChildProcess.FindByStateMarker(state));

            Signals.Send(apphost.Id, Signals.SIGTERM);
            var exited = apphost.WaitForExitAsync();
            Assert.Same(exited, await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(90))));

            Assert.Equal(0, apphost.ExitCode);
            Assert.DoesNotContain(pids, pid => Directory.Exists($"/proc/{pid}") && !IsZombie(pid));
            Assert.Empty(ChildProcess.FindByStateMarker(state));
        }
        catch (Exception e)
        {
            throw new Exception($"{e.Message}\nAppHost output:\n{string.Join('\n', output.TakeLast(60))}", e);
        }
        finally
        {
            await AppHostProcess.CleanUpAsync(apphost, state);
        }
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

    private static bool IsZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return false; }
    }
}
