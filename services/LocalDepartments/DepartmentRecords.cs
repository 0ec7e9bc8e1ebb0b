using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using BadRequest = Google.Rpc.BadRequest;
using PreconditionFailure = Google.Rpc.PreconditionFailure;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Enrollment.V1;
using Microsoft.Extensions.Options;
using Client = MaternityCloud.Contracts.Enrollment.V1.DepartmentExchange.DepartmentExchangeClient;

namespace MaternityCloud.LocalDepartments;

public sealed class DepartmentsOptions
{
    /// <summary>The pooling region the departments serve, as their credentials say.</summary>
    public string Region { get; set; } = "330300";

    /// <summary>Each department's credential (by <see cref="Department"/> name), issued by the platform's issuer; the AppHost sets them.</summary>
    public Dictionary<string, string> Credentials { get; set; } = [];
}

/// <summary>What the stand-in sent and what the platform answered, newest first, for the page.</summary>
public sealed record SentRecord(DateTimeOffset At, string Kind, string Department, string RecordId, int HttpStatus, string Answer);

public sealed class SentRecords
{
    private const int Kept = 200;
    private readonly ConcurrentQueue<SentRecord> _sent = new();

    public void Add(SentRecord record)
    {
        _sent.Enqueue(record);
        while (_sent.Count > Kept) _sent.TryDequeue(out _);
    }

    public IEnumerable<SentRecord> Newest() => _sent.Reverse();
}

/// <summary>
/// POST /api/records/{kind}: the record as JSON (the DepartmentExchange message, field names as in the proto), sent
/// with the credential of the department that keeps that kind (or of <c>?department=</c>, to see a refusal). An empty
/// record_id is filled with a new one. The platform's receipt, or its refusal with every bad field, is answered as JSON.
/// </summary>
public static class DepartmentRecordEndpoints
{
    private sealed record Kind(MessageDescriptor Message, Department Keeper,
        Func<Client, IMessage, Metadata, CancellationToken, AsyncUnaryCall<DepartmentReceipt>> Send);

    private static readonly IReadOnlyDictionary<string, Kind> Kinds = new Dictionary<string, Kind>
    {
        ["marriage"] = new(MarriageRegistration.Descriptor, Department.CivilAffairs, (c, m, h, t) => c.RecordMarriageAsync((MarriageRegistration)m, h, cancellationToken: t)),
        ["marriage-dissolution"] = new(MarriageDissolution.Descriptor, Department.CivilAffairs, (c, m, h, t) => c.RecordMarriageDissolutionAsync((MarriageDissolution)m, h, cancellationToken: t)),
        ["birth-certificate"] = new(BirthCertificate.Descriptor, Department.HealthCommission, (c, m, h, t) => c.RecordBirthCertificateAsync((BirthCertificate)m, h, cancellationToken: t)),
        ["employment"] = new(EmploymentRecord.Descriptor, Department.HumanResources, (c, m, h, t) => c.RecordEmploymentAsync((EmploymentRecord)m, h, cancellationToken: t)),
        ["unemployment"] = new(UnemploymentRecord.Descriptor, Department.HumanResources, (c, m, h, t) => c.RecordUnemploymentAsync((UnemploymentRecord)m, h, cancellationToken: t)),
        ["retirement"] = new(RetirementRecord.Descriptor, Department.HumanResources, (c, m, h, t) => c.RecordRetirementAsync((RetirementRecord)m, h, cancellationToken: t)),
        ["death"] = new(DeathRecord.Descriptor, Department.PublicSecurity, (c, m, h, t) => c.RecordDeathAsync((DeathRecord)m, h, cancellationToken: t)),
        ["imprisonment"] = new(ImprisonmentRecord.Descriptor, Department.Justice, (c, m, h, t) => c.RecordImprisonmentAsync((ImprisonmentRecord)m, h, cancellationToken: t)),
    };

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithPreserveProtoFieldNames(true));

    public static IEndpointRouteBuilder MapDepartmentRecords(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Content(Page(), "text/html; charset=utf-8"));
        app.MapGet("/api/kinds", () => Results.Json(Kinds.Select(k => new
        {
            kind = k.Key, department = k.Value.Keeper.ToString(), fields = k.Value.Message.Fields.InFieldNumberOrder().Select(f => f.Name),
        })));
        app.MapGet("/api/records", (SentRecords sent) => Results.Json(sent.Newest()));
        app.MapPost("/api/records/{kind}", async (string kind, string? department, HttpRequest request, Client client,
            IOptions<DepartmentsOptions> options, SentRecords sent, CancellationToken ct) =>
        {
            if (!Kinds.TryGetValue(kind, out var k))
                return Results.Json(new { error = $"unknown kind '{kind}': one of {string.Join(", ", Kinds.Keys)}" }, statusCode: 404);
            var sender = k.Keeper;
            if (department is { Length: > 0 } && !Enum.TryParse(department, ignoreCase: true, out sender))
                return Results.Json(new { error = $"unknown department '{department}': one of {string.Join(", ", Enum.GetNames<Department>())}" }, statusCode: 400);
            if (!options.Value.Credentials.TryGetValue(sender.ToString(), out var credential) || credential.Length == 0)
                return Results.Json(new { error = $"no credential configured for {sender} (LocalDepartments:Credentials:{sender})" }, statusCode: 500);

            IMessage record;
            using (var reader = new StreamReader(request.Body))
            {
                try { record = Parser.Parse(await reader.ReadToEndAsync(ct), k.Message); }
                catch (InvalidProtocolBufferException e) { return Results.Json(new { error = "the body is not the record's JSON: " + e.Message }, statusCode: 400); }
            }
            var recordId = k.Message.FindFieldByName("record_id");
            if (((string)recordId.Accessor.GetValue(record)).Length == 0)
                recordId.Accessor.SetValue(record, $"LOCAL-{kind}-{Guid.NewGuid():N}");
            var id = (string)recordId.Accessor.GetValue(record);

            int status;
            string answer;
            try
            {
                var receipt = await k.Send(client, record, new Metadata { { "authorization", "Bearer " + credential } }, ct);
                (status, answer) = (200, Formatter.Format(receipt));
            }
            catch (RpcException e)
            {
                (status, answer) = (HttpStatus(e.StatusCode), Refusal(e));
            }
            sent.Add(new SentRecord(DateTimeOffset.UtcNow, kind, sender.ToString(), id, status, answer));
            return Results.Content(answer, "application/json; charset=utf-8", null, status);
        });
        return app;
    }

    private static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition => 400,
        StatusCode.Unauthenticated => 401,
        StatusCode.PermissionDenied => 403,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists => 409,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => 503,
        _ => 500,
    };

    /// <summary>The platform's refusal as JSON: the status, the detail and every bad field or broken rule.</summary>
    private static string Refusal(RpcException e)
    {
        var status = e.GetRpcStatus();
        var violations = status?.GetDetail<BadRequest>()?.FieldViolations.Select(v => new { field = v.Field, reason = v.Description }).ToArray();
        var rules = status?.GetDetail<PreconditionFailure>()?.Violations.Select(v => new { rule = v.Type, reason = v.Description }).ToArray();
        return System.Text.Json.JsonSerializer.Serialize(new { status = e.StatusCode.ToString(), detail = e.Status.Detail, violations, rules });
    }

    private static string Page()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("MaternityCloud.LocalDepartments.Web.index.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
