using MaternityCloud.AppHost;
using MaternityCloud.Hosting.Servers;

// The whole platform. Everything listens on loopback; the fixed ports below are the ones the README and the CLI use
// (Platform:DynamicPorts=true picks free ones, as tests do). The Aspire dashboard is at http://127.0.0.1:17000.
LocalDashboard.UseLoopbackHttpDefaults(args);
var builder = DistributedApplication.CreateBuilder(args);
// Ctrl-C returns once every process has stopped (DCP would otherwise finish the stops after the AppHost has exited).
builder.Configuration["DcpPublisher:WaitForResourceCleanup"] ??= "true";

// Servers from the machine's packages, unless ConnectionStrings__postgres / __redis / __messaging name existing ones.
// PostgreSQL sized for a region of a million insured persons (12 million contribution months): the indexes eligibility
// reads stay in its own buffers instead of the default 128 MB, so a cold check costs the same at a million as at ten
// thousand (docs/performance.md). Memory is taken as pages are read; postgres:Settings:* overrides each.
var postgres = builder.AddLocalPostgres("postgres", port: 17432, settings: new Dictionary<string, string>
{
    ["shared_buffers"] = "2GB",
    ["effective_cache_size"] = "8GB",
    ["random_page_cost"] = "1.1", // solid-state storage: an index read costs about what a sequential one does
    ["max_wal_size"] = "4GB", // bulk imports and a busy hour checkpoint by time, not by WAL volume
    ["checkpoint_completion_target"] = "0.9",
});
var redis = builder.AddLocalRedis("redis", port: 17379);
var messaging = builder.AddLocalRabbitMQ("messaging", (Amqp: 17672, Management: 17673, Distribution: 17674, PortMapper: 17369));

// The five services, each with its own database; Enrollment and Notifications keep hot state in Redis. Each runs as
// Platform:Replicas processes (one unless set; `make run REPLICAS=2`, or Platform:Replicas:claims=3 for one service):
// replica k listens 1000 above the first's ports, and callers spread their calls over every replica.
var enrollment = builder.AddPlatformService<Projects.MaternityCloud_Enrollment>("enrollment", (Grpc: 17101, Http: 17102))
    .WithDatabase(postgres, "enrollmentdb")
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithDevelopmentInstitutions();

var prenatal = builder.AddPlatformService<Projects.MaternityCloud_Prenatal>("prenatal", (Grpc: 17111, Http: 17112))
    .WithDatabase(postgres, "prenataldb")
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(enrollment);

var claims = builder.AddPlatformService<Projects.MaternityCloud_Claims>("claims", (Grpc: 17121, Http: 17122))
    .WithDatabase(postgres, "claimsdb")
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(enrollment)
    .WithReference(prenatal);

var allowance = builder.AddPlatformService<Projects.MaternityCloud_Allowance>("allowance", (Grpc: 17131, Http: 17132))
    .WithDatabase(postgres, "allowancedb")
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(enrollment);

var notifications = builder.AddPlatformService<Projects.MaternityCloud_Notifications>("notifications", (Grpc: 17141, Http: 17142))
    .WithDatabase(postgres, "notificationsdb")
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging);

// The SMS gateway and official-account API stand-in: Notifications sends through it, it reports receipts back, and
// its /messages shows every message "sent". A deployment points Notifications:Sms and :OfficialAccount elsewhere.
var gateway = builder.AddPlatformService<Projects.MaternityCloud_LocalGateway>("localgateway", (Grpc: 17151, Http: 17152), replicable: false)
    .WithReference(notifications);
notifications.WithReference(gateway);

// The other departments' stand-in: civil affairs, the health commission, human resources, public security and justice
// send their records to Enrollment from its page or JSON API (http://127.0.0.1:17020), each with its own credential.
builder.AddDepartmentsStandIn<Projects.MaternityCloud_LocalDepartments>("departments", httpPort: 17020, region: "330300")
    .WithReference(enrollment).WaitFor(enrollment);

// What no generic dashboard has: the business views and error-queue replay, for operators signed in with a platform
// credential. Replay is also a command on the messaging resource in the Aspire dashboard.
var operations = builder.AddOperations<Projects.MaternityCloud_Operations>("operations", httpPort: 17010)
    .WithReference(messaging).WaitFor(messaging)
    .WithBrokerManagement(messaging)
    .WithReference(enrollment)
    .WithReference(claims)
    .WithReference(allowance)
    .WithReference(notifications);
messaging.WithErrorQueueReplay(operations);

builder.Build().Run();
