using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Enrollment.Application;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Enrollment.Infrastructure;
using MaternityCloud.ServiceDefaults.Redis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase("enrollmentdb", typeof(EnrollmentHandlers).Assembly);
builder.AddRedisStore("enrollment");
builder.AddMessaging("enrollment");

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<EnrollmentRepository>();
builder.Services.AddScoped<EnrollmentHandlers>();

var app = builder.Build();

app.MapGrpcService<EnrollmentGrpcService>();
app.MapDefaultEndpoints();

app.Run();
