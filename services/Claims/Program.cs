using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Application;
using MaternityCloud.Claims.Grpc;
using MaternityCloud.Claims.Infrastructure;
using MaternityCloud.Contracts.Events;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddHttpApiDocument("MaternityCloud Claims");
builder.AddMethodAccess(ClaimsAccess.Rules);
builder.AddServiceDatabase("claimsdb", typeof(SettlementHandlers).Assembly);
builder.AddRegionPolicies();
builder.AddMessaging("claims", events => events
    .Handle<PrenatalRegistered, PregnancyQuotaEvents>()
    .Handle<PrenatalRegistrationChanged, PregnancyQuotaEvents>()
    .Handle<PregnancyEnded, PregnancyQuotaEvents>()
    .Handle<RegionPolicyLoaded, RegionPolicyReplica>()
    .Handle<WorkingDayCalendarLoaded, WorkingDayCalendarReplica>());

// Eligibility and registrations come from the services that own them, found by discovery (services__{name}__grpc__0).
builder.AddPlatformClient<EnrollmentClient>("enrollment");
builder.AddPlatformClient<PrenatalClient>("prenatal");

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<SettlementStore>();
builder.Services.AddSingleton<QuotaLedger>();
builder.Services.AddSingleton<CaseStore>();
builder.Services.AddSingleton<IEligibility, EnrollmentEligibility>();
builder.Services.AddSingleton<IVisitCertificates, EnrollmentElectronicCodes>();
builder.Services.AddSingleton<IPrenatalRegistrations, PrenatalRegistrations>();
builder.Services.AddSingleton<SettlementHandlers>();
builder.Services.AddSingleton<OperatorHandlers>();
builder.Services.AddSingleton<OperationsStore>();
builder.Services.AddSingleton<OperationsHandlers>();
builder.Services.AddSingleton<ReimbursementCaseHandlers>();

var app = builder.Build();

app.MapGrpcService<ClaimsGrpcService>();
app.MapDefaultEndpoints();
app.MapHttpApiDocument();

app.RunOrMigrate(); // Database:Migrations=Only: apply the schema and exit (a deployment's migration Job)
