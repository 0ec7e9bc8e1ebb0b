using System.Diagnostics;
using MaternityCloud.Claims.Grpc;
using MaternityCloud.Hosting;
using MaternityCloud.Tests.Infrastructure;
using Npgsql;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// How a deployment applies a service's schema: a migration Job runs the service's own program with
/// Database:Migrations=Only as the schema's owner, which applies the scripts, creates the service's role with the password
/// it is given and exits; the replicas run with Verify as that role and refuse to start on a schema that lacks a script.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class SchemaMigrationTests(TestServers servers)
{
    private const string RolePassword = "role-password-from-the-secret";

    [Fact]
    public async Task A_migration_run_applies_the_schema_creates_the_role_and_exits_and_replicas_verify_it_as_the_role()
    {
        var isolation = await servers.CreateIsolationAsync("migrate", "claimsdb");
        var owner = new NpgsqlConnectionStringBuilder(isolation.ConnectionStrings["claimsdb"]);

        var (exit, output) = await RunClaimsAsync(isolation, "--Database:Migrations=Only", $"--Database:ServiceRolePassword={RolePassword}");

        Assert.True(exit == 0, output);
        var scripts = await isolation.CountAsync("claimsdb", "SELECT count(*) FROM schema_migration");
        Assert.True(scripts >= 5, $"{scripts} scripts recorded");
        // The role logs in with the password the Job was given, and works with the service's tables.
        var role = new NpgsqlConnectionStringBuilder(owner.ConnectionString) { Username = $"{owner.Database}_service", Password = RolePassword, Pooling = false };
        await using (var connection = new NpgsqlConnection(role.ConnectionString))
        {
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT count(*) FROM settlement", connection);
            Assert.Equal(0L, (long)(await read.ExecuteScalarAsync())!);
        }
        // A replica as the role (not the owner), verifying: it starts and serves.
        await using var replica = new ServiceHost<ClaimsGrpcService>(isolation with
        {
            ConnectionStrings = new Dictionary<string, string>(isolation.ConnectionStrings) { ["claimsdb"] = role.ConnectionString },
        }, new Dictionary<string, string> { ["Database:Migrations"] = "Verify", ["Database:OwnRole"] = "false" });
        using var http = replica.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task A_replica_whose_role_the_migration_has_not_created_yet_says_so()
    {
        var isolation = await servers.CreateIsolationAsync("norole", "claimsdb");
        await using var replica = new ServiceHost<ClaimsGrpcService>(isolation, new Dictionary<string, string> { ["Database:Migrations"] = "Verify" });

        var refused = Assert.ThrowsAny<Exception>(() => replica.CreateClient());

        Assert.Contains("cannot log in as", refused.ToString());
        Assert.Contains("run this version's migration", refused.ToString());
    }

    [Fact]
    public async Task A_replica_that_verifies_refuses_to_start_on_a_schema_without_its_scripts()
    {
        var isolation = await servers.CreateIsolationAsync("verify", "claimsdb");
        // As a deployment's replica: connecting as the configured user (here one that may read the empty database).
        await using var replica = new ServiceHost<ClaimsGrpcService>(isolation,
            new Dictionary<string, string> { ["Database:Migrations"] = "Verify", ["Database:OwnRole"] = "false" });

        var refused = Assert.ThrowsAny<Exception>(() => replica.CreateClient());

        var reason = refused is AggregateException a ? a.Flatten().InnerExceptions[0] : refused;
        Assert.Contains("not applied", reason.ToString());
        Assert.Contains("MaternityCloud.Claims:0001", reason.ToString());
        Assert.Equal(0L, await isolation.CountAsync("claimsdb", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }

    /// <summary>The Claims program, as a container runs it: its own dll, configuration from the environment and arguments.</summary>
    private static async Task<(int Exit, string Output)> RunClaimsAsync(Isolation isolation, params string[] arguments)
    {
        var dll = Path.Combine(PlatformState.FindRepositoryRoot(), "services", "Claims", "bin", ChildProcess.BuildConfiguration, "net10.0", "MaternityCloud.Claims.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            Environment =
            {
                ["ConnectionStrings__claimsdb"] = isolation.ConnectionStrings["claimsdb"],
                ["ConnectionStrings__messaging"] = isolation.ConnectionStrings["messaging"],
                ["Auth__IssuerPublicKey"] = TestCredentials.IssuerPublicKeyPem,
                ["OTEL_SDK_DISABLED"] = "true",
            },
        };
        return await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(2));
    }
}
