using System.Net;
using System.Net.Http.Headers;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Operations;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Integration;

/// <summary>The operations app signs operators in by credential: every operator may look, only an administrator may replay.</summary>
[Collection(ServersCollection.Name)]
public sealed class OperationsAccessTests(TestServers servers) : IAsyncLifetime
{
    private ServiceHost<BrokerQueuePolling> _operations = null!;

    public async Task InitializeAsync() => _operations = new ServiceHost<BrokerQueuePolling>(await servers.CreateIsolationAsync("operations"));

    public async Task DisposeAsync() => await _operations.DisposeAsync();

    private HttpClient As(Caller? caller)
    {
        var http = _operations.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (caller is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCredentials.For(caller));
        return http;
    }

    [Fact]
    public async Task An_auditor_sees_but_only_an_administrator_replays_and_a_hospital_is_not_an_operator()
    {
        var auditorCaller = Caller.Operator("auditor-1", OperatorRole.FundAuditor, "fund-centre");
        using var auditor = As(auditorCaller);
        using var administrator = As(TestCredentials.Administrator);
        using var hospital = As(Caller.Institution("H33030200001"));
        using var nobody = As(null);

        var seen = await auditor.GetAsync("/api/queues");
        var me = await auditor.GetStringAsync("/api/me");
        var auditorReplaysOne = await auditor.PostAsync("/api/queues/claims_error/messages/m1/replay", null);
        var auditorReplaysAll = await auditor.PostAsync("/api/queues/replay", null);
        var adminReplaysAll = await administrator.PostAsync("/api/queues/replay", null);
        var hospitalLooks = await hospital.GetAsync("/api/business");
        var nobodyLooks = await nobody.GetAsync("/api/business");
        var page = await nobody.GetAsync("/");
        var health = await nobody.GetAsync("/health");

        // Signing in with the auditor's credential sets the session cookie; a hospital's credential does not sign in.
        var signIn = await nobody.GetAsync("/login?t=" + TestCredentials.For(auditorCaller));
        var hospitalSignIn = await nobody.GetAsync("/login?t=" + TestCredentials.For(Caller.Institution("H33030200001")));

        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        Assert.Contains("\"role\":\"FundAuditor\"", me);
        Assert.Equal(HttpStatusCode.Forbidden, auditorReplaysOne.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, auditorReplaysAll.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminReplaysAll.StatusCode); // nothing waiting in this broker's error queues
        Assert.Equal(HttpStatusCode.Unauthorized, hospitalLooks.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, nobodyLooks.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // the orchestrator's probe needs no credential and says only "Healthy"
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(OperatorSignIn.CookieName) && c.Contains("httponly"));
        Assert.Equal(HttpStatusCode.Unauthorized, hospitalSignIn.StatusCode);
    }
}
