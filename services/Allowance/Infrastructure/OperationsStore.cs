using MaternityCloud.Contracts.Codes;
using MaternityCloud.Allowance.Domain;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Persistence;
using Npgsql;

namespace MaternityCloud.Allowance.Infrastructure;

public sealed record StateTally(CaseState State, int Count, decimal Amount);

public sealed record AwaitingCase(Guid CaseId, ResidentIdNumber IdNumber, AllowanceEventKind EventKind, DateOnly EventDate, DateTimeOffset OpenedAt, IReadOnlyList<string> Findings);

public sealed record OperationsFigures(
    IReadOnlyList<StateTally> ByState, IReadOnlyList<AwaitingCase> Awaiting, int OverdueForPayment, IReadOnlyList<int> DaysToPay,
    int ProvisionalDueDates);

/// <summary>The operators' dashboard figures, in one round trip.</summary>
public sealed class OperationsStore(NpgsqlDataSource dataSource)
{
    /// <param name="paidSince">Days-to-pay covers the cases that became paid from then on.</param>
    public async Task<OperationsFigures> ReadAsync(DateOnly today, DateTimeOffset paidSince, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Sql.BatchCommand("SELECT state, count(*)::int, coalesce(sum(amount), 0) FROM allowance_case GROUP BY 1"));
        batch.BatchCommands.Add(Sql.BatchCommand(
            """
            SELECT case_id, id_number, event_kind, event_date, opened_at, ARRAY(SELECT f->>'code' FROM jsonb_array_elements(findings) f)
            FROM allowance_case WHERE state = 'PendingReview' ORDER BY opened_at, case_id LIMIT 100
            """));
        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT count(*)::int FROM allowance_case WHERE state IN ('Approved', 'InPayment') AND due_date < $1", today));
        // A paid case's updated_at is when its payment was recorded (a later recovery moves it out of Paid).
        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT (updated_at::date - opened_at::date)::int FROM allowance_case WHERE state = 'Paid' AND updated_at >= $1", paidSince));

        batch.BatchCommands.Add(Sql.BatchCommand(
            "SELECT count(*)::int FROM allowance_case WHERE state IN ('Approved', 'InPayment') AND findings @> '[{\"code\": \"calendar-missing\"}]'"));

        await using var reader = await batch.ExecuteReaderAsync(ct);
        var byState = new List<StateTally>();
        while (await reader.ReadAsync(ct))
            byState.Add(new StateTally(Enum.Parse<CaseState>(reader.GetString(0)), reader.GetInt32(1), reader.GetDecimal(2)));
        await reader.NextResultAsync(ct);
        var awaiting = new List<AwaitingCase>();
        while (await reader.ReadAsync(ct))
            awaiting.Add(new AwaitingCase(reader.GetGuid(0), ResidentIdNumber.FromStored(reader.GetString(1)), Enum.Parse<AllowanceEventKind>(reader.GetString(2)),
                reader.GetFieldValue<DateOnly>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<string[]>(5)));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var overdue = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        var days = new List<int>();
        while (await reader.ReadAsync(ct)) days.Add(reader.GetInt32(0));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new OperationsFigures(byState.OrderBy(s => s.State).ToList(), awaiting, overdue, days, reader.GetInt32(0));
    }
}
