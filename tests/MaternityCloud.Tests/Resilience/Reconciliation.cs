using System.Net.Http.Json;
using System.Text.Json;
using MaternityCloud.Hosting.Testing;
using Npgsql;
using static MaternityCloud.Tests.Resilience.FaultSuiteTests;

namespace MaternityCloud.Tests.Resilience;

/// <summary>
/// After an outage, proves from the owners' databases and the broker what the fund must be able to show: every
/// settlement a hospital was told succeeded is recorded exactly once, every eligible childbirth has exactly one
/// allowance case, every approved allowance exactly one reminder per channel, and no message is stuck anywhere but an
/// error queue (which is replayed first, as an operator does, through the operations app).
/// </summary>
public sealed class Reconciliation(RunningPlatform platform, IReadOnlyDictionary<string, string> databases)
{
    private static readonly string[] Databases = ["enrollmentdb", "prenataldb", "claimsdb", "allowancedb", "notificationsdb"];
    private string Database(string name) => databases[name];

    public static async Task<Reconciliation> ForAsync(RunningPlatform platform)
    {
        var databases = new Dictionary<string, string>();
        foreach (var name in Databases) databases[name] = (await platform.ConnectionStringAsync(name))!;
        return new Reconciliation(platform, databases);
    }

    private async Task<IReadOnlyList<(string Name, long Ready, long Unacknowledged)>> QueuesAsync() =>
        await platform.BrokerManagement().QueuesAsync(CancellationToken.None);

    public sealed record Report(bool Consistent, IReadOnlyList<string> Lines);

    /// <summary>Until every outbox row is published, every queue but the error queues is empty, and the counts stop moving.</summary>
    public async Task WaitUntilDrainedAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < until)
        {
            var unsent = await UnsentOutboxRowsAsync();
            var waiting = (await QueuesAsync()).Where(q => !IsErrorQueue(q.Name)).Sum(q => q.Ready + q.Unacknowledged);
            var now = $"{unsent}/{waiting}/{await CountAsync("allowancedb", "SELECT count(*) FROM allowance_case")}/{await CountAsync("notificationsdb", "SELECT count(*) FROM message")}";
            if (unsent == 0 && waiting == 0 && now == last) return;
            last = now;
            await Task.Delay(TimeSpan.FromSeconds(3)); // longer than the management API's own refresh
        }
    }

    /// <summary>Every message in every error queue, sent back to its queue by an administrator through the operations app.</summary>
    public async Task<long> ReplayErrorQueuesAsync(string administratorCredential)
    {
        using var operations = new HttpClient { BaseAddress = platform.Endpoint("operations", "http"), Timeout = TimeSpan.FromMinutes(2) };
        operations.DefaultRequestHeaders.Authorization = new("Bearer", administratorCredential);
        long replayed = 0;
        for (var round = 0; round < 5; round++)
        {
            if (!(await QueuesAsync()).Any(q => IsErrorQueue(q.Name) && q.Ready > 0)) break;
            using var response = await operations.PostAsync("/api/queues/replay", null);
            response.EnsureSuccessStatusCode();
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            replayed += answer.GetProperty("replayed").EnumerateObject().Sum(q => q.Value.GetInt64());
            await Task.Delay(TimeSpan.FromSeconds(6));
        }
        return replayed;
    }

    private static bool IsErrorQueue(string queue) => queue.EndsWith("_error", StringComparison.Ordinal);

    public async Task<Report> ReconcileAsync(IReadOnlyList<Acknowledgement> acknowledged, IReadOnlySet<string> reversed, decimal paid, long replayed)
    {
        var lines = new List<string>();
        var consistent = true;
        void Check(bool ok, string line) { consistent &= ok; lines.Add(line + (ok ? "" : "  <-- MISMATCH")); }

        // 1. Every acknowledged settlement, once.
        var recorded = await RowsAsync("claimsdb", "SELECT institution_code, request_id, settlement_id::text FROM settlement",
            r => (Key: (r.GetString(0), r.GetString(1)), Id: r.GetString(2)));
        var byRequest = recorded.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Select(r => r.Id).ToList());
        var lost = acknowledged.Count(a => !byRequest.TryGetValue((a.Institution, a.RequestId), out var ids) || !ids.Contains(a.SettlementId));
        var doubled = byRequest.Values.Count(ids => ids.Count > 1);
        var acknowledgedIds = acknowledged.Select(a => a.SettlementId).ToHashSet();
        var untold = recorded.Count(r => !acknowledgedIds.Contains(r.Id));
        Check(lost == 0 && doubled == 0 && untold == 0,
            $"settlements acknowledged {acknowledged.Count}, recorded {recorded.Count}, lost {lost}, duplicated {doubled}, recorded but never acknowledged {untold}");

        // 2. Every eligible childbirth (each mother here is an eligible employee), one allowance case.
        var births = acknowledged.Where(a => a.MedicalType == "52").Select(a => a.SettlementId).ToList();
        var standingBirths = births.Where(b => !reversed.Contains(b)).ToList();
        // Each settlement's report, with the case it landed on (a reversed settlement's case keeps its report, not its id).
        var cases = await RowsAsync("allowancedb",
            "SELECT r.reference, c.case_id::text, c.state FROM case_report r JOIN allowance_case c USING (case_id) WHERE r.channel = 'Settlement'",
            r => (Settlement: r.GetString(0), Case: r.GetString(1), State: r.GetString(2)));
        var casesBySettlement = cases.GroupBy(c => c.Settlement).ToDictionary(g => g.Key, g => g.Count());
        var missingCases = births.Count(b => !casesBySettlement.ContainsKey(b));
        var doubledCases = casesBySettlement.Values.Count(n => n > 1);
        var perPerson = await CountAsync("allowancedb",
            "SELECT count(*) FROM (SELECT id_number, event_date FROM allowance_case GROUP BY 1, 2 HAVING count(*) > 1) x");
        Check(missingCases == 0 && doubledCases == 0 && perPerson == 0,
            $"childbirths {births.Count}, allowance cases {cases.Count}, missing {missingCases}, duplicated {doubledCases + perPerson}");

        // 3. Every approved allowance, exactly one warm reminder per channel.
        var approved = cases.Where(c => c.State is "Approved" or "InPayment" or "Paid").Select(c => c.Case).ToList();
        var reminders = await RowsAsync("notificationsdb",
            "SELECT subject, channel, count(*) FROM message WHERE kind = 'allowance-approved' AND resent_from IS NULL GROUP BY 1, 2",
            r => (Case: r.GetString(0), Channel: r.GetString(1), Count: r.GetInt64(2)));
        var remindersByCase = reminders.GroupBy(r => r.Case).ToDictionary(g => g.Key, g => g.ToList());
        var withoutReminder = approved.Count(c => !remindersByCase.ContainsKey(c));
        var doubledReminders = reminders.Count(r => r.Count > 1);
        var channels = string.Join(", ", reminders.GroupBy(r => r.Channel).Select(g => $"{g.Key} {g.Sum(r => r.Count)}"));
        Check(withoutReminder == 0 && doubledReminders == 0 && approved.Count == standingBirths.Count,
            $"allowances approved {approved.Count} of {standingBirths.Count} childbirths that stand, reminders by channel: {channels}; without a reminder {withoutReminder}, duplicated {doubledReminders}");

        // 4. Nothing for a reversed settlement, and every yuan paid is an approved case of a settlement that stands.
        var payableForReversed = cases.Count(c => reversed.Contains(c.Settlement) && c.State is "Approved" or "InPayment" or "Paid");
        var dueForStanding = (decimal)(await ScalarAsync("allowancedb",
            $"SELECT coalesce(sum(amount), 0) FROM allowance_case WHERE state = 'Paid' AND settlement_id::text = ANY(ARRAY[{string.Join(",", standingBirths.Select(b => $"'{b}'").DefaultIfEmpty("''"))}])"))!;
        var paidCases = await CountAsync("allowancedb", "SELECT count(*) FROM allowance_case WHERE state = 'Paid'");
        Check(payableForReversed == 0 && paid == dueForStanding && paidCases == standingBirths.Count,
            $"childbirths reversed {births.Count - standingBirths.Count}, allowance approved or paid for them {payableForReversed}; paid {paid:0.00} yuan for {paidCases} cases, approved cases of standing settlements {dueForStanding:0.00}");

        // 5. Nothing stuck: every outbox row published, every queue but the error queues empty.
        var states = await QueuesAsync();
        var stuck = states.Where(q => !IsErrorQueue(q.Name)).Sum(q => q.Ready + q.Unacknowledged);
        var inErrorQueues = states.Where(q => IsErrorQueue(q.Name)).Sum(q => q.Ready);
        var unsent = await UnsentOutboxRowsAsync();
        var where = string.Join(", ", states.Where(q => q.Ready + q.Unacknowledged > 0)
            .Select(q => $"{q.Name} {q.Ready} ready {q.Unacknowledged} unacknowledged"));
        Check(stuck == 0 && unsent == 0 && inErrorQueues == 0,
            $"messages stuck in queues {stuck}, unsent outbox rows {unsent}; error-queue messages replayed {replayed}, left {inErrorQueues}" +
            (where.Length > 0 ? $" ({where})" : ""));
        return new Report(consistent, lines);
    }

    private async Task<long> UnsentOutboxRowsAsync()
    {
        long total = 0;
        foreach (var database in Databases) total += await CountAsync(database, "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL");
        return total;
    }

    private async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Database(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Database(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<T>> RowsAsync<T>(string database, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(Database(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }
}
