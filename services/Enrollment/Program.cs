using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Application;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Enrollment.Infrastructure;
using MaternityCloud.ServiceDefaults.Redis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddHttpApiDocument("MaternityCloud Enrollment");
builder.AddMethodAccess(EnrollmentAccess.Rules, EnrollmentAccess.DepartmentRules);
builder.AddServiceDatabase("enrollmentdb", typeof(EnrollmentHandlers).Assembly);
builder.AddRegionPolicies();
builder.AddRedisStore("enrollment");
builder.AddMessaging("enrollment"); // Enrollment only publishes: the departments' records come by gRPC (DepartmentExchange)

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<EnrollmentRepository>();
builder.Services.AddSingleton<ContributionStore>();
builder.Services.AddSingleton<EligibilityStore>();
builder.Services.AddSingleton<EligibilityCache>();
// Every replica watches for a suspicion another raised because it could not drop changed answers from the shared cache.
builder.Services.AddPeriodicReload("eligibility cache suspicion", builder.Configuration.GetValue("Enrollment:CacheSuspicionPoll", TimeSpan.FromSeconds(1)),
    sp =>
    {
        var cache = sp.GetRequiredService<EligibilityCache>();
        return (cache.WatchSuspicionAsync, cache.WatchSuspicionAsync);
    });
builder.Services.AddSingleton<EnrollmentChanges>();
builder.Services.AddSingleton<IMarriageRegistry, FedMarriageRegistry>();
builder.Services.AddScoped<EnrollmentHandlers>();
builder.Services.AddScoped<SpouseFilingHandlers>();
builder.Services.AddScoped<NewbornHandlers>();
builder.Services.AddScoped<DepartmentExchangeHandlers>();
builder.Services.AddScoped<ElectronicCodeHandlers>();
builder.Services.AddScoped<EnrollmentDriveHandlers>();
builder.Services.AddScoped<TransferHandlers>();
builder.Services.AddScoped<ContributionImport>();
builder.Services.AddSingleton<EligibilityQueries>();
builder.Services.AddSingleton<InstitutionRegistry>();
builder.Services.AddScoped<InstitutionHandlers>();
builder.Services.AddInstitutionRegistry(builder.Configuration);

var app = builder.Build();

app.MapGrpcService<EnrollmentGrpcService>();
app.MapGrpcService<DepartmentExchangeGrpcService>();
app.MapDefaultEndpoints();
app.MapHttpApiDocument();

app.RunOrMigrate(); // Database:Migrations=Only: apply the schema and exit (a deployment's migration Job)
