using MaternityCloud.LocalGateway;

// A stand-in for the SMS gateway and the WeChat official-account API, for development and tests: it speaks their
// protocols, keeps every message "sent" for a developer and the dashboard to see, reports delivery receipts back, and
// can be told to fail (an outage, a refusal) or to relay a person's reply.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.Configure<LocalGatewayOptions>(builder.Configuration.GetSection("LocalGateway"));
builder.Services.AddSingleton<GatewayLog>();
builder.Services.AddSingleton<ReceiptSender>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ReceiptSender>());
// Receipts and replies go to Notifications' http endpoint, found by discovery (services__notifications__http__0).
builder.Services.AddHttpClient(ReceiptSender.Client, http => http.BaseAddress = new Uri("http://_http.notifications"));

var app = builder.Build();

app.MapSmsGateway();
app.MapOfficialAccountApi();
app.MapGatewayControl();
app.MapDefaultEndpoints();

app.Run();
