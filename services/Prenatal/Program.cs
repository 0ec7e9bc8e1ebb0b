using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Prenatal.Application;
using MaternityCloud.Prenatal.Grpc;
using MaternityCloud.Prenatal.Infrastructure;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddHttpApiDocument("MaternityCloud Prenatal");
builder.AddMethodAccess(PrenatalAccess.Rules);
builder.AddServiceDatabase("prenataldb", typeof(PrenatalHandlers).Assembly);
builder.AddRegionPolicies();
builder.AddMessaging("prenatal", events => events
    .Handle<SettlementCompleted, PrenatalHandlers>()
    .Handle<SettlementReversed, PrenatalHandlers>()
    .Handle<InsuredPersonDied, PrenatalHandlers>()
    .Handle<RegionPolicyLoaded, RegionPolicyReplica>());

// The person's region and the hospital's standing come from Enrollment, found by discovery (services__enrollment__grpc__0).
builder.AddPlatformClient<EnrollmentClient>("enrollment");

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<RegistrationRepository>();
builder.Services.AddSingleton<IRegistrationFacts, EnrollmentFacts>();

var app = builder.Build();

app.MapGrpcService<PrenatalGrpcService>();
app.MapDefaultEndpoints();
app.MapHttpApiDocument();

app.RunOrMigrate(); // Database:Migrations=Only: apply the schema and exit (a deployment's migration Job)
