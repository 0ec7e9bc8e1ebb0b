using MaternityCloud.Operations;
using MaternityCloud.Operations.Business;
using MaternityCloud.Operations.Queues;
using AllowanceClient = MaternityCloud.Contracts.Allowance.V1.Allowance.AllowanceClient;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using NotificationsClient = MaternityCloud.Contracts.Notifications.V1.Notifications.NotificationsClient;

// The operators' business views (settlements, manual cases, allowance, notifications) and error-queue replay. The
// Aspire dashboard shows the platform's resources and telemetry; this shows what the fund's operators act on.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddMetrics();

// Each figure from the service that owns it, found by discovery (services__{name}__grpc__0).
builder.AddPlatformClient<ClaimsClient>("claims");
builder.AddPlatformClient<AllowanceClient>("allowance");
builder.AddPlatformClient<NotificationsClient>("notifications");
builder.Services.AddSingleton<BusinessViews>();
// The enrolment drive calls Enrollment with the signed-in operator's own credential, not this app's.
builder.Services.AddGrpcClient<MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient>(o => o.Address = new Uri("http://_grpc.enrollment"));
builder.Services.AddSingleton<EnrollmentDrives>();

// The broker: AMQP from ConnectionStrings__messaging, its management API from Operations:BrokerManagementUrl.
builder.Services.AddSingleton(sp => new BrokerAddress(
    new Uri(builder.Configuration.GetConnectionString("messaging") ?? throw new InvalidOperationException("ConnectionStrings__messaging is missing.")),
    builder.Configuration["Operations:BrokerManagementUrl"] is { Length: > 0 } management ? new Uri(management) : null));
builder.Services.AddSingleton<BrokerQueues>();
builder.Services.AddHostedService<BrokerQueuePolling>();
builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(BrokerQueues.MeterName));

var app = builder.Build();

app.UseOperatorSignIn(builder.Configuration["Auth:IssuerPublicKey"]
    ?? throw new InvalidOperationException("Auth__IssuerPublicKey is missing: operators' credentials cannot be checked."));
app.MapOperationsApi();
app.MapOperationsPage();
app.MapDefaultEndpoints();

app.Run();
