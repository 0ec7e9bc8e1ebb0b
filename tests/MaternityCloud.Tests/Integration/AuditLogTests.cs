using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.Tests.Infrastructure;
using Npgsql;

namespace MaternityCloud.Tests.Integration;

/// <summary>Audit entries written outside a transaction are group-committed: each caller waits for its own entry, none is lost or doubled.</summary>
[Collection(ServersCollection.Name)]
public sealed class AuditLogTests(TestServers servers) : IAsyncLifetime
{
    private Isolation _isolation = null!;
    private ServiceHost<NotificationsGrpcService> _service = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("auditlog", "notificationsdb");
        _service = new ServiceHost<NotificationsGrpcService>(_isolation);
        _ = _service.Server; // start it: its schema, audit_log included, is applied
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private static AuditedCall Read(string subject) =>
        new(Caller.Operator("auditor-9", OperatorRole.FundAuditor, "fund-centre"), "GetInsuredPerson", AuditKind.Read, subject, null);

    [Fact]
    public async Task Concurrent_reads_are_each_committed_once_before_their_callers_continue()
    {
        var calls = Enumerable.Range(0, 400).Select(i => Read($"subject-{i:D3}")).ToList();
        var before = DateTimeOffset.UtcNow;
        await using (var data = NpgsqlDataSource.Create(_isolation.ConnectionStrings["notificationsdb"]))
        await using (var log = new AuditLog(data))
        {
            await Task.WhenAll(calls.Select(c => Task.Run(() => log.RecordAsync(c, CancellationToken.None))));
            // Every caller returned only once its entry was committed: the rows are there now, not eventually.
            Assert.Equal(400L, await _isolation.CountAsync("notificationsdb", "SELECT count(DISTINCT subject) FROM audit_log WHERE kind = 'Read'"));
        }

        Assert.All(calls, c => Assert.True(c.Recorded));
        Assert.Equal(400L, await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM audit_log WHERE kind = 'Read'"));
        Assert.Equal(400L, await _isolation.CountAsync("notificationsdb",
            "SELECT count(*) FROM audit_log WHERE caller_kind = 'Operator' AND caller_id = 'auditor-9' AND role = 'FundAuditor' AND action = 'GetInsuredPerson' AND at >= $1",
            before.AddSeconds(-1)));
    }

    [Fact]
    public async Task When_the_database_refuses_the_batch_every_caller_hears_it_and_nothing_is_marked_recorded()
    {
        await _isolation.SqlAsync("notificationsdb", "ALTER TABLE audit_log ADD CONSTRAINT no_subject_x CHECK (subject <> 'x')");
        var good = Read("fine");
        var bad = Read("x");
        await using var data = NpgsqlDataSource.Create(_isolation.ConnectionStrings["notificationsdb"]);
        await using var log = new AuditLog(data);

        // Both in one batch, or each in its own: either way the refused entry's caller hears the refusal.
        var results = await Task.WhenAll(new[] { good, bad }.Select(async c =>
        {
            try { await log.RecordAsync(c, CancellationToken.None); return (c.Subject, (Exception?)null); }
            catch (PostgresException e) { return (c.Subject, e); }
        }));

        Assert.NotNull(results.Single(r => r.Subject == "x").Item2);
        Assert.False(bad.Recorded);
        var written = await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM audit_log WHERE subject = 'fine'");
        Assert.Equal(good.Recorded ? 1L : 0L, written);
        Assert.Equal(0L, await _isolation.CountAsync("notificationsdb", "SELECT count(*) FROM audit_log WHERE subject = 'x'"));
    }
}
