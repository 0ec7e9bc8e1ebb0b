using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Domain;
using Npgsql;

namespace MaternityCloud.Claims.Infrastructure;

public sealed record Tally(string Key, int Count, decimal TotalAmount, decimal FundAmount);

public sealed record OpenCaseTally(CaseState State, int Count, int NearDue, int Overdue);

public sealed record CaseDeadline(Guid CaseId, CaseState State, string Site, ReimbursementItem Item, DateOnly DueDate, decimal ClaimedAmount);

public sealed record DayFigures(
    IReadOnlyList<Tally> ByMedicalType, IReadOnlyList<Tally> ByInstitution, int Reversed, int ManualCasesFiled,
    IReadOnlyList<OpenCaseTally> OpenCases, IReadOnlyList<CaseDeadline> Urgent);

/// <summary>The operators' dashboard figures, read in one round trip with the indexes the settlement path already has.</summary>
public sealed class OperationsStore(NpgsqlDataSource dataSource)
{
    private const string OpenStates = "state NOT IN ('Paid', 'Closed', 'Rejected')";

    /// <param name="from">The day's start in China time; the day is [from, from + 1 day).</param>
    /// <param name="today">Open cases are judged against today, whatever day the settlements are counted for.</param>
    public async Task<DayFigures> DayAsync(DateTimeOffset from, DateOnly day, DateOnly today, DateOnly nearDueBy, CancellationToken ct)
    {
        var to = from.AddDays(1);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT medical_type, count(*)::int, sum(total_amount), sum(fund_amount) FROM settlement WHERE settled_at >= $1 AND settled_at < $2 AND state = 'settled' GROUP BY 1 ORDER BY 1",
            from, to));
        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT institution_code, count(*)::int, sum(total_amount), sum(fund_amount) FROM settlement WHERE settled_at >= $1 AND settled_at < $2 AND state = 'settled' GROUP BY 1 ORDER BY 2 DESC, 1",
            from, to));
        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT count(*)::int FROM settlement WHERE settled_at >= $1 AND settled_at < $2 AND state = 'reversed'", from, to));
        batch.BatchCommands.Add(Sql.BatchCommand("SELECT count(*)::int FROM reimbursement_case WHERE filed_on = $1", day));
        batch.BatchCommands.Add(Sql.BatchCommand(
            $"""
            SELECT state, count(*)::int, count(*) FILTER (WHERE due_date >= $1 AND due_date <= $2)::int, count(*) FILTER (WHERE due_date < $1)::int
            FROM reimbursement_case WHERE {OpenStates} GROUP BY 1
            """, today, nearDueBy));
        batch.BatchCommands.Add(Sql.BatchCommand(
            $"SELECT case_id, state, site, item, due_date, claimed_amount FROM reimbursement_case WHERE {OpenStates} AND due_date <= $1 ORDER BY due_date, case_id LIMIT 100",
            nearDueBy));

        await using var reader = await batch.ExecuteReaderAsync(ct);
        var byType = await TalliesAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var byInstitution = await TalliesAsync(reader, ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var reversed = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var filed = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        var open = new List<OpenCaseTally>();
        while (await reader.ReadAsync(ct))
            open.Add(new OpenCaseTally(Enum.Parse<CaseState>(reader.GetString(0)), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        await reader.NextResultAsync(ct);
        var urgent = new List<CaseDeadline>();
        while (await reader.ReadAsync(ct))
            urgent.Add(new CaseDeadline(reader.GetGuid(0), Enum.Parse<CaseState>(reader.GetString(1)), reader.GetString(2),
                Enum.Parse<ReimbursementItem>(reader.GetString(3)), reader.GetFieldValue<DateOnly>(4), reader.GetDecimal(5)));
        return new DayFigures(byType, byInstitution, reversed, filed, open.OrderBy(o => o.State).ToList(), urgent);
    }

    private static async Task<IReadOnlyList<Tally>> TalliesAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var tallies = new List<Tally>();
        while (await reader.ReadAsync(ct))
            tallies.Add(new Tally(reader.GetString(0), reader.GetInt32(1), reader.GetDecimal(2), reader.GetDecimal(3)));
        return tallies;
    }
}
