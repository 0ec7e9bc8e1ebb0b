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
builder.AddMethodAccess(EnrollmentAccess.Rules);
builder.AddServiceDatabase("enrollmentdb", typeof(EnrollmentHandlers).Assembly);
builder.AddRegionPolicies();
builder.AddRedisStore("enrollment");
builder.AddMessaging("enrollment", events => events
    .Handle<BirthCertificateIssued, NewbornHandlers>()
    .Handle<MarriageRegistered, SpouseFilingHandlers>());

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<EnrollmentRepository>();
builder.Services.AddSingleton<ContributionStore>();
builder.Services.AddSingleton<EligibilityStore>();
builder.Services.AddSingleton<EligibilityCache>();
builder.Services.AddSingleton<EnrollmentChanges>();
builder.Services.AddSingleton<IMarriageRegistry, FedMarriageRegistry>();
builder.Services.AddScoped<EnrollmentHandlers>();
builder.Services.AddScoped<ContributionImport>();
builder.Services.AddSingleton<EligibilityQueries>();
builder.Services.AddSingleton<InstitutionRegistry>();
builder.Services.AddScoped<InstitutionHandlers>();
builder.Services.AddInstitutionRegistry(builder.Configuration);

var app = builder.Build();

app.MapGrpcService<EnrollmentGrpcService>();
app.MapDefaultEndpoints();

app.Run();
