using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Notifications.Application;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.ServiceDefaults.Redis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase("notificationsdb", typeof(RecipientQueries).Assembly);
builder.AddRedisStore("notifications");
builder.AddMessaging("notifications", events => events
    .Handle<InsuredPersonRegistered, RecordInsuredPersonRegistered>());

builder.Services.AddSingleton<RecipientQueries>();

var app = builder.Build();

app.MapGrpcService<NotificationsGrpcService>();
app.MapDefaultEndpoints();

app.Run();
