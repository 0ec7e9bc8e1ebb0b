using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.ServiceDefaults.Redis;

// Settlement, pre-settlement, reversal and manual reimbursement arrive with issue 4; until then the service runs with its own database
// (outbox and inbox), Redis, bus connection, health and reflection, so the platform's shape is complete.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase("claimsdb");
builder.AddRedisStore("claims");
builder.AddMessaging("claims");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
