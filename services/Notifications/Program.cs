using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Notifications;
using MaternityCloud.Notifications.Application;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.ServiceDefaults.Redis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddHttpApiDocument("MaternityCloud Notifications");
builder.AddMethodAccess(NotificationsAccess.Rules);
builder.AddServiceDatabase("notificationsdb", typeof(RecipientQueries).Assembly);
builder.AddRegionPolicies();
builder.AddRedisStore("notifications");
builder.AddTemplates();
builder.AddMessaging("notifications", events => events
    .Handle<InsuredPersonRegistered, RecordInsuredPersonRegistered>()
    .Handle<AllowanceApproved, NoticeEvents>()
    .Handle<AllowancePaid, NoticeEvents>()
    .Handle<AllowanceRefused, NoticeEvents>()
    .Handle<AllowanceCancelled, NoticeEvents>()
    .Handle<AllowanceRecoveryOpened, NoticeEvents>()
    .Handle<GuardianReminderDue, NoticeEvents>()
    .Handle<NewbornEnrolled, NoticeEvents>()
    .Handle<PrenatalRegistered, NoticeEvents>()
    .Handle<ReimbursementCaseChanged, NoticeEvents>()
    .Handle<InsuredPersonDied, DeceasedPersons>()
    .Handle<RegionPolicyLoaded, RegionPolicyReplica>());

// SMS and the official account through their HTTP gateways (the local gateway in development), then the dispatcher.
builder.AddMessageGateways();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<RecipientQueries>();
builder.Services.AddSingleton<ContactHandlers>();
builder.Services.AddSingleton<MessageHandlers>();
builder.Services.AddSingleton<TemplateHandlers>();
builder.Services.AddSingleton<MaternityCloud.Notifications.Infrastructure.OperationsStore>();
builder.Services.AddSingleton<OperationsHandlers>();

var app = builder.Build();

app.MapGrpcService<NotificationsGrpcService>();
app.MapGatewayCallbacks();
app.MapDefaultEndpoints();
app.MapHttpApiDocument();

app.RunOrMigrate(); // Database:Migrations=Only: apply the schema and exit (a deployment's migration Job)
