using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.ServiceDefaults.Redis;

// Allowance computation, approval and payment arrive with issue 5; until then the service runs with its own database
// (outbox and inbox), Redis, bus connection, health and reflection, so the platform's shape is complete.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase("allowancedb");
builder.AddRedisStore("allowance");
builder.AddMessaging("allowance");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
