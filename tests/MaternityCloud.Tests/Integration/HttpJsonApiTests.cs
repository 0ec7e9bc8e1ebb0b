using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Tests.Infrastructure;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Hospitals without gRPC: the hospital-facing methods answer JSON over HTTP with the national interface's field names,
/// the same credential, the same idempotency and the same refusals (a google.rpc.Status naming the bad field), and each
/// service serves the OpenAPI document of its JSON API.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class HttpJsonApiTests(TestServers servers) : IAsyncLifetime
{
    private const string Hospital = "H33030200001";
    private ClaimsPlatform _platform = null!;

    public async Task InitializeAsync() => _platform = await ClaimsPlatform.StartAsync(servers, "jsonapi", withAllowance: true);

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Settlement(string person, string requestId, int fetuses = 1) => $$"""
        {
          "fixmedins_code": "{{Hospital}}", "request_id": "{{requestId}}", "certno": "{{person}}",
          "certificate_type": "VISIT_CERTIFICATE_TYPE_ID_CARD", "mdtrt_cert_no": "{{person}}",
          "med_type": "51", "matn_type": "7", "geso_val": 12, "fetus_cnt": {{fetuses}}, "service_date": "{{Date(Today.AddDays(-1))}}",
          "lines": [ { "med_list_codg": "311202001", "cnt": "1", "pric": "300.00", "det_item_fee_sumamt": "300.00" } ],
          "medfee_sumamt": "300.00"
        }
        """;

    [Fact]
    public async Task A_hospital_settles_and_reverses_in_JSON_with_national_field_names_and_a_retry_settles_once()
    {
        var person = await _platform.EligibleEmployeeAsync();
        using var http = _platform.ClaimsHost.CreateOperatorClient(Caller.Institution(Hospital));
        var requestId = "HIS-" + Guid.NewGuid().ToString("N")[..12];

        var preview = await http.PostAsync("/v1/settlements:preSettle", Json(Settlement(person, requestId)));
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("", (await preview.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("setl_id").GetString()); // nothing stored

        var settled = await (await http.PostAsync("/v1/settlements", Json(Settlement(person, requestId)))).Content.ReadFromJsonAsync<JsonElement>();
        var retried = await (await http.PostAsync("/v1/settlements", Json(Settlement(person, requestId)))).Content.ReadFromJsonAsync<JsonElement>();
        var settlementId = settled.GetProperty("setl_id").GetString();
        Assert.False(string.IsNullOrEmpty(settlementId));
        Assert.Equal(settlementId, retried.GetProperty("setl_id").GetString());
        Assert.Equal((person, Hospital, "51", "300.00"), (settled.GetProperty("certno").GetString(), settled.GetProperty("fixmedins_code").GetString(),
            settled.GetProperty("med_type").GetString(), settled.GetProperty("medfee_sumamt").GetString()));
        Assert.Equal("300.00", settled.GetProperty("fundAmount").GetString());
        Assert.Equal(1L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM settlement WHERE id_number = $1", person));

        var reversed = await http.PostAsync("/v1/settlements:reverse", Json($$"""{ "setl_id": "{{settlementId}}", "reason": "患者退费" }"""));
        Assert.Equal(HttpStatusCode.OK, reversed.StatusCode);
        Assert.Equal("SETTLEMENT_STATE_REVERSED", (await reversed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        var reconciled = await http.PostAsync("/v1/reconciliations", Json($$"""
            { "fixmedins_code": "{{Hospital}}", "date": "{{Date(Today)}}", "fixmedins_setl_cnt": 1, "fund_pay_sumamt": "0.00" }
            """));
        Assert.Equal(HttpStatusCode.OK, reconciled.StatusCode);
        Assert.True((await reconciled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("compared").GetBoolean());
    }

    [Fact]
    public async Task A_bad_request_gets_the_status_with_the_field_and_no_credential_gets_nothing()
    {
        var person = await _platform.EligibleEmployeeAsync();
        using var http = _platform.ClaimsHost.CreateOperatorClient(Caller.Institution(Hospital));

        var bad = await http.PostAsync("/v1/settlements", Json(Settlement(person, "HIS-bad-1", fetuses: 12)));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var status = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, status.GetProperty("code").GetInt32()); // INVALID_ARGUMENT
        var detail = Assert.Single(status.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("@type").GetString());
        Assert.Contains(detail.GetProperty("fieldViolations").EnumerateArray(), v => v.GetProperty("field").GetString() == "fetus_count");

        // Another hospital's code in the body is refused by the credential, as over gRPC.
        var foreign = await http.PostAsync("/v1/settlements", Json(Settlement(person, "HIS-bad-2").Replace(Hospital, "H33030200002")));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);

        using var anonymous = _platform.ClaimsHost.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/settlements", Json(Settlement(person, "HIS-bad-3")))).StatusCode);
        Assert.Equal(0L, await _platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM settlement WHERE id_number = $1", person));
    }

    [Fact]
    public async Task A_hospital_registers_a_pregnancy_and_applies_for_the_allowance_in_JSON()
    {
        var person = await _platform.EligibleMotherAsync();
        using var prenatal = _platform.PrenatalHost.CreateOperatorClient(Caller.Institution(Hospital));
        var registered = await prenatal.PostAsync("/v1/prenatal-registrations", Json($$"""
            { "certno": "{{person}}", "pregnancy_date": "{{Date(Today.AddDays(-70))}}", "expected_delivery_date": "{{Date(Today.AddDays(210))}}",
              "fetus_cnt": 1, "fixmedins_code": "{{Hospital}}", "channel": "CHANNEL_HOSPITAL_SERVICE_STATION" }
            """));
        var registration = await registered.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(registered.IsSuccessStatusCode, registration.ToString());
        Assert.Equal(("REGISTRATION_STATE_OPEN", Hospital), (registration.GetProperty("state").GetString(), registration.GetProperty("fixmedins_code").GetString()));

        using var allowance = _platform.AllowanceHost!.CreateOperatorClient(Caller.Institution(Hospital));
        var applied = await allowance.PostAsync("/v1/allowance-applications", Json($$"""
            { "channel": "CHANNEL_HOSPITAL_JOINT_FORM", "request_id": "JF-{{Guid.NewGuid():N}}", "certno": "{{person}}", "event_kind": "EVENT_KIND_CHILDBIRTH",
              "event_date": "{{Date(Today.AddDays(-2))}}", "fetus_cnt": 1, "geso_val": 39 }
            """));
        var application = await applied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(applied.IsSuccessStatusCode, application.ToString());
        Assert.Equal((person, 1), (application.GetProperty("idNumber").GetString(), application.GetProperty("fetus_cnt").GetInt32()));
    }

    [Fact]
    public async Task Each_service_serves_the_OpenAPI_document_of_its_JSON_API_from_the_proto_comments()
    {
        using var http = _platform.ClaimsHost.CreateClient(); // public: the document holds no one's data
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/settlements", "/v1/settlements:preSettle", "/v1/settlements:reverse", "/v1/reconciliations" })
            Assert.True(paths.TryGetProperty(path, out _), path);
        Assert.Contains("Settles a visit", paths.GetProperty("/v1/settlements").GetProperty("post").ToString());
        Assert.Contains("\"certno\"", document.GetProperty("components").ToString());

        using var prenatal = _platform.PrenatalHost.CreateClient();
        Assert.True((await prenatal.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths").TryGetProperty("/v1/prenatal-registrations", out _));
    }
}
