using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.ServiceDefaults.Redis;

// Prenatal registration (产前登记) arrives with issue 3; until then the service runs with its own database
// (outbox and inbox), Redis, bus connection, health and reflection, so the platform's shape is complete.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase("prenataldb");
builder.AddRedisStore("prenatal");
builder.AddMessaging("prenatal");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
