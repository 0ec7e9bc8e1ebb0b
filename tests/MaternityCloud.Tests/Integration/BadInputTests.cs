using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using MaternityCloud.Allowance.Grpc;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Claims.Grpc;
using MaternityCloud.Contracts.Allowance.V1;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.Prenatal.Grpc;
using MaternityCloud.ServiceDefaults.Security;
using MaternityCloud.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;
using Xunit.Abstractions;
using OperatorRole = MaternityCloud.BuildingBlocks.Domain.OperatorRole;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Generated bad input for every public gRPC method of the five services, each called as a caller its rule admits (so
/// the input reaches the handler): no Internal or Unknown status, every service still serving, and a refused request
/// leaves every table of every database and the Redis keyspace exactly as they were.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class BadInputTests(TestServers servers, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Hospital = "H33030200001";
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);
    private static readonly string[] Databases = ["enrollmentdb", "prenataldb", "claimsdb", "allowancedb", "notificationsdb"];
    private Isolation _isolation = null!;
    private ServiceHost<EnrollmentGrpcService> _enrollment = null!;
    private ServiceHost<PrenatalGrpcService> _prenatal = null!;
    private ServiceHost<ClaimsGrpcService> _claims = null!;
    private ServiceHost<AllowanceGrpcService> _allowance = null!;
    private ServiceHost<NotificationsGrpcService> _notifications = null!;
    private ConnectionMultiplexer _redis = null!;
    private readonly Dictionary<string, (NpgsqlDataSource Data, string CountAll)> _databases = [];

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("badinput", Databases);
        _enrollment = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _prenatal = new ServiceHost<PrenatalGrpcService>(_isolation);
        _claims = new ServiceHost<ClaimsGrpcService>(_isolation,
            new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost", ["services:prenatal:grpc:0"] = "http://localhost" },
            services =>
            {
                ServiceHost<ClaimsGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(_enrollment)(services);
                ServiceHost<ClaimsGrpcService>.Calls<PrenatalClient, PrenatalGrpcService>(_prenatal)(services);
            });
        _allowance = new ServiceHost<AllowanceGrpcService>(_isolation,
            new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost", ["Allowance:DailyBatchAt"] = "" },
            ServiceHost<AllowanceGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(_enrollment));
        _notifications = new ServiceHost<NotificationsGrpcService>(_isolation,
            new Dictionary<string, string> { ["services:localgateway:http:0"] = "http://127.0.0.1:9", ["Notifications:DefaultRegion"] = "330300" });
        foreach (var server in new object[] { _enrollment.Server, _prenatal.Server, _claims.Server, _allowance.Server, _notifications.Server }) _ = server;
        _redis = await ConnectionMultiplexer.ConnectAsync(_isolation.ConnectionStrings["redis"]);
        foreach (var database in Databases)
        {
            var data = NpgsqlDataSource.Create(_isolation.ConnectionStrings[database]);
            var tables = new List<string>();
            await using (var list = data.CreateCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"))
            await using (var reader = await list.ExecuteReaderAsync())
                while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
            // A refused call may still have read a person's record at another service (Claims asks Enrollment who the person
            // is before it can say the request is wrong for them): that read is audited there, and is no write of the call.
            _databases[database] = (data, string.Join(" UNION ALL ", tables.Select(t =>
                t == "audit_log" ? "SELECT 'audit_log', count(*) FROM audit_log WHERE kind <> 'Read'" : $"SELECT '{t}', count(*) FROM \"{t}\"")));
        }
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        foreach (var (data, _) in _databases.Values) await data.DisposeAsync();
        foreach (var host in new IAsyncDisposable[] { _notifications, _allowance, _claims, _prenatal, _enrollment }) await host.DisposeAsync();
    }

    [Fact]
    public async Task Every_public_method_refuses_generated_bad_input_cleanly_and_a_refusal_writes_nothing()
    {
        var valid = await ValidRequestsAsync();
        var services = new (ServiceDescriptor Service, MethodAccessTable Rules, CallInvoker Invoker)[]
        {
            (Contracts.Enrollment.V1.Enrollment.Descriptor, EnrollmentAccess.Rules, _enrollment.RawChannel().CreateCallInvoker()),
            (Contracts.Prenatal.V1.Prenatal.Descriptor, PrenatalAccess.Rules, _prenatal.RawChannel().CreateCallInvoker()),
            (Contracts.Claims.V1.Claims.Descriptor, ClaimsAccess.Rules, _claims.RawChannel().CreateCallInvoker()),
            (Contracts.Allowance.V1.Allowance.Descriptor, AllowanceAccess.Rules, _allowance.RawChannel().CreateCallInvoker()),
            (Contracts.Notifications.V1.Notifications.Descriptor, NotificationsAccess.Rules, _notifications.RawChannel().CreateCallInvoker()),
        };
        var random = new Random(20261122);
        var problems = new List<string>();
        var tried = 0;
        var before = await QuietSnapshotAsync(await SnapshotAsync()); // the valid requests' events have had their effects

        foreach (var (service, rules, invoker) in services)
        {
            foreach (var method in service.Methods)
            {
                var rule = rules[method.Name];
                var headers = TestCredentials.Headers(CallerAdmittedBy(rule));
                var (count, refused, accepted) = (0, 0, 0);
                foreach (var input in GeneratedInputs.For(method.InputType, valid.GetValueOrDefault(method.Name), random))
                {
                    count++;
                    var status = await CallAsync(invoker, method, headers, input.Bytes);
                    var where = $"{service.Name}/{method.Name} [{input.Label}]";
                    if (status.StatusCode is StatusCode.Internal or StatusCode.Unknown)
                        problems.Add($"{where}: {status.StatusCode} {status.Detail.Replace("\0", "\\0")}");

                    if (status.StatusCode == StatusCode.OK)
                    {
                        accepted++;
                        var now = await SnapshotAsync();
                        // A change that wrote something may have published events whose effects arrive later elsewhere.
                        before = Same(now, before) ? now : await QuietSnapshotAsync(now);
                        continue;
                    }
                    refused++;
                    var after = await SnapshotAsync();
                    foreach (var (key, n) in after.Where(kv => before.GetValueOrDefault(kv.Key) != kv.Value))
                        problems.Add($"{where}: refused ({status.StatusCode}) but {key} went from {before.GetValueOrDefault(key)} to {n}");
                    before = after;
                }
                tried += count;
                output.WriteLine($"[bad-input] {service.Name}/{method.Name}: {count} inputs tried, {refused} refused, {accepted} accepted");
                Console.WriteLine($"[bad-input] {service.Name}/{method.Name}: {count} inputs tried, {refused} refused, {accepted} accepted");
            }
        }

        foreach (var host in new Func<Task<Grpc.Health.V1.HealthCheckResponse>>[]
                 {
                     () => Health(_enrollment.RawChannel()), () => Health(_prenatal.RawChannel()), () => Health(_claims.RawChannel()),
                     () => Health(_allowance.RawChannel()), () => Health(_notifications.RawChannel()),
                 })
            Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await host()).Status);
        Console.WriteLine($"[bad-input] {tried} inputs tried over {services.Sum(s => s.Service.Methods.Count)} methods; " +
                          $"{problems.Count(p => p.Contains("Internal") || p.Contains("Unknown"))} Internal/Unknown; {problems.Count(p => p.Contains("went from"))} refusals that wrote");
        foreach (var problem in problems) Console.WriteLine("[bad-input] PROBLEM " + problem);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(40)));
    }

    private static Task<Grpc.Health.V1.HealthCheckResponse> Health(Grpc.Net.Client.GrpcChannel channel) =>
        new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync;

    private static Caller CallerAdmittedBy(MethodAccess rule) =>
        rule.Who.HasFlag(Callers.Institution) ? Caller.Institution(Hospital)
        : rule.Who.HasFlag(Callers.Administrator) ? TestCredentials.Administrator
        : rule.Who.HasFlag(Callers.FundAuditor) ? Caller.Operator("auditor-1", OperatorRole.FundAuditor, "fund-centre")
        : rule.Who != Callers.None ? Caller.Operator("clerk-1", OperatorRole.GrassrootsClerk, "330302-wuma")
        : Caller.Service(rule.Services.First());

    private static async Task<Status> CallAsync(CallInvoker invoker, MethodDescriptor method, Metadata headers, byte[] input)
    {
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(30));
        try
        {
            if (method.IsClientStreaming)
            {
                var call = invoker.AsyncClientStreamingCall(new Method<byte[], byte[]>(MethodType.ClientStreaming, method.Service.FullName, method.Name, Raw, Raw), null, options);
                await call.RequestStream.WriteAsync(input);
                await call.RequestStream.CompleteAsync();
                await call.ResponseAsync;
            }
            else
            {
                await invoker.AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name, Raw, Raw), null, options, input);
            }
            return Status.DefaultSuccess;
        }
        catch (RpcException e) { return e.Status; }
    }

    /// <summary>Row counts of every table in the five databases, and the number of Redis keys under the test's prefix.</summary>
    private async Task<Dictionary<string, long>> SnapshotAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var (database, (data, countAll)) in _databases)
        {
            await using var count = data.CreateCommand(countAll);
            await using var rows = await count.ExecuteReaderAsync();
            while (await rows.ReadAsync()) counts[$"{database}.{rows.GetString(0)}"] = rows.GetInt64(1);
        }
        var server = _redis.GetServers().Single();
        long keys = 0;
        await foreach (var _ in server.KeysAsync(pattern: _isolation.RedisKeyPrefix + "*")) keys++;
        counts["redis keys"] = keys;
        return counts;
    }

    /// <summary>After an accepted change: its events' effects in other services settle before the next refusal is judged.</summary>
    private async Task<Dictionary<string, long>> QuietSnapshotAsync(Dictionary<string, long> last)
    {
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(250);
            var now = await SnapshotAsync();
            if (Same(now, last)) return now;
            last = now;
        }
        return last;
    }

    private static bool Same(Dictionary<string, long> a, Dictionary<string, long> b) =>
        a.Count == b.Count && a.All(kv => b.GetValueOrDefault(kv.Key) == kv.Value);

    /// <summary>Valid requests for the hospital and operator methods that carry money or identity, to mutate field by field.</summary>
    private async Task<Dictionary<string, IMessage>> ValidRequestsAsync()
    {
        var enrollment = new EnrollmentClient(_enrollment.Channel());
        var employer = await enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(), Name = "温州市鹿城区示例服饰有限公司",
            CorporateAccount = new BankAccount { BankName = "中国农业银行温州分行", AccountNumber = "19200101040012345", AccountName = "温州市鹿城区示例服饰有限公司" },
        });
        var person = TestData.IdNumber();
        var register = new RegisterInsuredPersonRequest
        {
            Region = "330300", IdNumber = person, Name = "陈丽娟", Kind = InsuredKind.Employee, EmployerCreditCode = employer.CreditCode, InsuredFrom = Date(Today.AddYears(-3)),
        };
        await enrollment.RegisterInsuredPersonAsync(register);
        await enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person, 24, Today, employer: employer.CreditCode));

        var another = register.Clone();
        another.IdNumber = TestData.IdNumber();
        return new Dictionary<string, IMessage>
        {
            ["RegisterInsuredPerson"] = another,
            ["CheckEligibility"] = new CheckEligibilityRequest { IdNumber = person, Benefit = Benefit.MaternityMedical, EventDate = Date(Today.AddDays(-1)), Region = "330300" },
            ["PreSettle"] = Request(person, "52", "1", "", ("331505001", "1800.00"), ("110900001", "60.00")),
            ["Settle"] = Request(person, "52", "1", "", ("331505001", "1800.00"), ("110900001", "60.00")),
            ["RegisterPregnancy"] = new RegisterPregnancyRequest
            {
                IdNumber = person, Region = "330300", PregnancyDate = Date(Today.AddDays(-70)), ExpectedDeliveryDate = Date(Today.AddDays(210)),
                FetusCount = 1, HospitalCode = Hospital, Channel = Contracts.Prenatal.V1.Channel.HospitalServiceStation, Operator = "station-clerk-07",
            },
            ["FileCase"] = new FileCaseRequest
            {
                RequestId = "F-1", IdNumber = person, Region = "330300", Item = CaseItem.PrenatalCheck, ServiceDate = Date(Today.AddDays(-3)),
                ClaimedAmount = "120.00", Documents = { "发票", "病历" }, ApplicantPhone = "13812345678",
            },
            ["ApplyForAllowance"] = new ApplyForAllowanceRequest
            {
                Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "A-1", IdNumber = person, Region = "330300",
                EventKind = EventKind.Childbirth, EventDate = Date(Today.AddDays(-2)), FetusCount = 1, GestationalWeeks = 39,
            },
        };
    }
}
