using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Prenatal.Application;
using MaternityCloud.Prenatal.Grpc;
using MaternityCloud.Prenatal.Infrastructure;
using MaternityCloud.ServiceDefaults.Redis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddMethodAccess(PrenatalAccess.Rules);
builder.AddServiceDatabase("prenataldb", typeof(PrenatalHandlers).Assembly);
builder.AddRegionPolicies();
builder.AddRedisStore("prenatal");
builder.AddMessaging("prenatal", events => events
    .Handle<SettlementCompleted, PrenatalHandlers>()
    .Handle<RegionPolicyLoaded, RegionPolicyReplica>());

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<RegistrationRepository>();

var app = builder.Build();

app.MapGrpcService<PrenatalGrpcService>();
app.MapDefaultEndpoints();

app.Run();
