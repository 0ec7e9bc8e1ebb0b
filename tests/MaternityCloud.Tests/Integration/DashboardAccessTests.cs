using System.Net;
using Microsoft.AspNetCore.Builder;
using System.Net.Http.Headers;
using MaternityCloud.AppHost.Dashboard;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Integration;

/// <summary>The dashboard signs operators in by credential: every operator may look, only an administrator may change.</summary>
public sealed class DashboardAccessTests : IAsyncLifetime
{
    private readonly DashboardOptions _options;
    private readonly WebApplication _dashboard;

    public DashboardAccessTests()
    {
        var ports = FreePorts.Take(3);
        _options = new DashboardOptions
        {
            Port = ports[0], OtlpGrpcPort = ports[1], OtlpHttpPort = ports[2],
            Token = TestCredentials.For(TestCredentials.Administrator), IssuerPublicKey = TestCredentials.IssuerPublicKeyPem,
        };
        _dashboard = DashboardServer.Build(_options, platform: null);
    }

    public Task InitializeAsync() => _dashboard.StartAsync();

    public async Task DisposeAsync() => await _dashboard.DisposeAsync();

    private HttpClient As(Caller? caller)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_options.Url) };
        if (caller is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCredentials.For(caller));
        return http;
    }

    [Fact]
    public async Task An_auditor_sees_but_only_an_administrator_acts_and_a_hospital_is_not_an_operator()
    {
        using var auditor = As(Caller.Operator("auditor-1", OperatorRole.FundAuditor, "fund-centre"));
        using var administrator = As(TestCredentials.Administrator);
        using var hospital = As(Caller.Institution("H33030200001"));
        using var nobody = As(null);

        var seen = await auditor.GetAsync("/api/telemetry/services");
        var me = await auditor.GetStringAsync("/api/me");
        var auditorStops = await auditor.PostAsync("/api/resources/claims/stop", null);
        var auditorReplays = await auditor.PostAsync("/api/queues/claims_error/messages/m1/replay", null);
        var adminStops = await administrator.PostAsync("/api/resources/claims/stop", null);
        var hospitalLooks = await hospital.GetAsync("/api/resources");
        var nobodyLooks = await nobody.GetAsync("/api/resources");
        var page = await nobody.GetAsync("/");

        // Signing in with the auditor's credential sets the session cookie; a hospital's credential does not sign in.
        var signIn = await nobody.GetAsync("/login?t=" + TestCredentials.For(Caller.Operator("auditor-1", OperatorRole.FundAuditor, "fund-centre")));
        var hospitalSignIn = await nobody.GetAsync("/login?t=" + TestCredentials.For(Caller.Institution("H33030200001")));

        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        Assert.Contains("\"role\":\"FundAuditor\"", me);
        Assert.Equal(HttpStatusCode.Forbidden, auditorStops.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, auditorReplays.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, adminStops.StatusCode); // allowed through; this dashboard runs no platform
        Assert.Equal(HttpStatusCode.Unauthorized, hospitalLooks.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, nobodyLooks.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DashboardAuthentication.CookieName) && c.Contains("httponly"));
        Assert.Equal(HttpStatusCode.Unauthorized, hospitalSignIn.StatusCode);
    }

    // Issue 18, finding 11: the dashboard's API answers on its own port only, whatever Host header a request names.
    [Fact]
    public async Task F11_the_operators_API_answers_on_no_port_but_its_own()
    {
        var credential = TestCredentials.For(TestCredentials.Administrator);
        foreach (var port in new[] { _options.OtlpHttpPort })
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            foreach (var path in new[] { "/api/resources", "/api/me", "/" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Host = $"127.0.0.1:{_options.Port}";
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
                var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }
    }
}
