using MaternityCloud.Allowance.Application;
using MaternityCloud.Allowance.Grpc;
using MaternityCloud.Allowance.Infrastructure;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddHttpApiDocument("MaternityCloud Allowance");
builder.AddMethodAccess(AllowanceAccess.Rules);
builder.AddServiceDatabase("allowancedb", typeof(AllowanceHandlers).Assembly);
builder.AddRegionPolicies();
builder.AddMessaging("allowance", events => events
    .Handle<SettlementCompleted, AllowanceHandlers>()
    .Handle<SettlementReversed, AllowanceHandlers>()
    .Handle<BirthCertificateIssued, AllowanceHandlers>()
    .Handle<InsuredPersonDied, AllowanceHandlers>()
    .Handle<RegionPolicyLoaded, RegionPolicyReplica>()
    .Handle<WorkingDayCalendarLoaded, WorkingDayCalendarReplica>());

// Eligibility, employers' wages and accounts come from Enrollment, found by discovery (services__enrollment__grpc__0).
builder.AddPlatformClient<EnrollmentClient>("enrollment");

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<AllowanceStore>();
builder.Services.AddSingleton<PaymentStore>();
builder.Services.AddSingleton<OperationsStore>();
builder.Services.AddSingleton<OperationsHandlers>();
builder.Services.AddSingleton<IEnrollmentFacts, EnrollmentFacts>();
builder.Services.AddScoped<AllowanceHandlers>();
builder.Services.AddScoped<PaymentHandlers>();
builder.Services.AddHostedService<DailyPaymentRun>();
builder.Services.AddHostedService<ProvisionalDueDates>();

var app = builder.Build();

app.MapGrpcService<AllowanceGrpcService>();
app.MapDefaultEndpoints();
app.MapHttpApiDocument();

app.RunOrMigrate(); // Database:Migrations=Only: apply the schema and exit (a deployment's migration Job)
