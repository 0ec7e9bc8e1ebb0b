using MaternityCloud.LocalDepartments;

// A stand-in for the other departments in development, as the local gateway is for SMS: a page and a JSON API that
// issue marriage, birth, employment, retirement, death and imprisonment records and send them to Enrollment's
// DepartmentExchange, each with its own department's credential, so every flow can be driven without the broker.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.Configure<DepartmentsOptions>(builder.Configuration.GetSection("LocalDepartments"));
builder.Services.AddSingleton<SentRecords>();
// Enrollment's gRPC endpoint, found by discovery (services__enrollment__grpc__0); each call carries a department's credential.
builder.Services.AddGrpcClient<MaternityCloud.Contracts.Enrollment.V1.DepartmentExchange.DepartmentExchangeClient>(
    o => o.Address = new Uri("http://_grpc.enrollment"));

var app = builder.Build();

app.MapDepartmentRecords();
app.MapDefaultEndpoints();

app.Run();
