using MaternityCloud.Contracts.Codes;
using System.Text.Json;
using MaternityCloud.Allowance.Domain;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.Allowance.Infrastructure;

/// <summary>A channel's report of an event, as stored, with the facts it stated.</summary>
public sealed record CaseReport(Channel Channel, string Applicant, string Reference, DateTimeOffset ReportedAt, BirthEvent? Event);

/// <summary>Allowance cases and their reports in allowancedb. Writes happen in the caller's transaction.</summary>
public sealed class AllowanceStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns = """
        SELECT case_id, id_number, region, policy_version, event_kind, event_date, fetus_count, dystocia, gestational_weeks, category,
               employer_credit_code, computation::text, state, findings::text, approved_on, due_date, settlement_id, batch_id, reversal_pending, opened_at,
               facts_verified_by
        FROM allowance_case
        """;

    /// <summary>Serialises every report of one person: what is found below stays true until the transaction ends.</summary>
    public Task LockPersonAsync(OutboxTransaction tx, string idNumber, CancellationToken ct) => tx.LockAsync("allowance:" + idNumber, ct);

    /// <summary>The case an applicant's report (channel, applicant, reference) landed on, locked for the caller's transaction.</summary>
    public async Task<AllowanceCase?> FindByReportAsync(NpgsqlConnection connection, Channel channel, string applicant, string reference, CancellationToken ct) =>
        (await ReadAsync(connection.Command(Columns + " WHERE case_id = (SELECT case_id FROM case_report WHERE channel = $1 AND applicant = $2 AND reference = $3) FOR UPDATE",
            channel.ToString(), applicant, reference), ct)).SingleOrDefault();

    /// <summary>The case a settlement's report landed on (a settlement id is unique, whichever institution reported it), locked.</summary>
    public async Task<AllowanceCase?> FindBySettlementAsync(NpgsqlConnection connection, Guid settlementId, CancellationToken ct) =>
        (await ReadAsync(connection.Command(Columns + " WHERE case_id = (SELECT case_id FROM case_report WHERE channel = 'Settlement' AND reference = $1 LIMIT 1) FOR UPDATE",
            settlementId.ToString()), ct)).SingleOrDefault();

    /// <summary>The person's cases near a date (the window in which two reports are one event), in every state.</summary>
    public async Task<IReadOnlyList<AllowanceCase>> NearAsync(NpgsqlConnection connection, string idNumber, DateOnly date, CancellationToken ct) =>
        await ReadAsync(connection.Command(Columns + " WHERE id_number = $1 AND event_date BETWEEN $2 AND $3 ORDER BY opened_at FOR UPDATE",
            idNumber, date.AddDays(-BirthEvent.SameEventWindowDays), date.AddDays(BirthEvent.SameEventWindowDays)), ct);

    /// <summary>Approved or in-payment cases whose due date carries the given finding (a provisional date), locked.</summary>
    public async Task<IReadOnlyList<AllowanceCase>> ProvisionalDueAsync(OutboxTransaction tx, string findingCode, CancellationToken ct) =>
        await ReadAsync(tx.Command(Columns + " WHERE state IN ('Approved', 'InPayment') AND findings @> jsonb_build_array(jsonb_build_object('code', $1::text)) ORDER BY case_id FOR UPDATE",
            findingCode), ct);

    /// <summary>The person's cases for events after a date, in every state, locked.</summary>
    public async Task<IReadOnlyList<AllowanceCase>> AfterAsync(NpgsqlConnection connection, string idNumber, DateOnly date, CancellationToken ct) =>
        await ReadAsync(connection.Command(Columns + " WHERE id_number = $1 AND event_date > $2 ORDER BY opened_at FOR UPDATE", idNumber, date), ct);

    /// <summary>Remembers a reversed settlement; true when it was not known yet.</summary>
    public async Task<bool> RememberReversalAsync(OutboxTransaction tx, Guid settlementId, string idNumber, string reason, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = tx.Command(
            "INSERT INTO reversed_settlement (settlement_id, id_number, reason, reversed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            settlementId, idNumber, reason, at);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Which of these settlements were reversed.</summary>
    public async Task<IReadOnlySet<string>> ReversedAsync(NpgsqlConnection connection, IEnumerable<string> settlementIds, CancellationToken ct)
    {
        var ids = settlementIds.Select(id => Guid.TryParse(id, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToArray();
        var reversed = new HashSet<string>(StringComparer.Ordinal);
        if (ids.Length == 0) return reversed;
        await using var command = connection.Command("SELECT settlement_id FROM reversed_settlement WHERE settlement_id = ANY($1)", ids);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) reversed.Add(reader.GetGuid(0).ToString());
        return reversed;
    }

    /// <summary>Records a birth the health commission reported; false when it was known.</summary>
    public async Task<bool> RecordBirthAsync(OutboxTransaction tx, string certificate, string motherIdNumber, DateOnly birthDate, CancellationToken ct)
    {
        await using var command = tx.Command(
            "INSERT INTO birth_record (certificate_number, mother_id_number, birth_date) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            certificate, motherIdNumber, birthDate);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>How many births the health commission recorded for the mother within a day of the date.</summary>
    public async Task<int> BirthsAsync(NpgsqlConnection connection, string motherIdNumber, DateOnly date, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT count(*)::int FROM birth_record WHERE mother_id_number = $1 AND birth_date BETWEEN $2 AND $3", motherIdNumber, date.AddDays(-1), date.AddDays(1));
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task<AllowanceCase?> FindAsync(NpgsqlConnection connection, Guid caseId, CancellationToken ct, bool forUpdate = false) =>
        (await ReadAsync(connection.Command(Columns + " WHERE case_id = $1" + (forUpdate ? " FOR UPDATE" : ""), caseId), ct)).SingleOrDefault();

    public async Task<IReadOnlyList<AllowanceCase>> ListAsync(NpgsqlConnection connection, string? employer, CaseState? state, DateOnly? dueBefore, int limit, CancellationToken ct)
    {
        var command = connection.Command(Columns + """
             WHERE ($1::text IS NULL OR employer_credit_code = $1) AND ($2::text IS NULL OR state = $2) AND ($3::date IS NULL OR due_date <= $3)
             ORDER BY coalesce(due_date, event_date), case_id LIMIT $4
            """, Sql.Optional(employer, NpgsqlDbType.Text), Sql.Optional(state?.ToString(), NpgsqlDbType.Text), Sql.Optional(dueBefore, NpgsqlDbType.Date), limit);
        return await ReadAsync(command, ct);
    }

    /// <summary>The employers that approved cases not yet in a batch are to be paid to.</summary>
    public async Task<IReadOnlyList<string>> PayableEmployersAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT DISTINCT employer_credit_code FROM allowance_case WHERE state = 'Approved' AND batch_id IS NULL AND employer_credit_code IS NOT NULL");
        var employers = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) employers.Add(reader.GetString(0));
        return employers;
    }

    /// <summary>Approved cases not in a batch yet, locked for the batch being made (another batch run skips them).</summary>
    public async Task<IReadOnlyList<AllowanceCase>> LockPayableAsync(OutboxTransaction tx, CancellationToken ct) =>
        await ReadAsync(tx.Command(Columns + " WHERE state = 'Approved' AND batch_id IS NULL ORDER BY employer_credit_code, case_id FOR UPDATE SKIP LOCKED"), ct);

    public async Task InsertAsync(OutboxTransaction tx, AllowanceCase c, CancellationToken ct)
    {
        await using var command = tx.Command("""
            INSERT INTO allowance_case (case_id, id_number, region, policy_version, event_kind, event_date, fetus_count, dystocia, gestational_weeks,
                category, employer_credit_code, computation, amount, state, findings, approved_on, due_date, settlement_id, batch_id, reversal_pending,
                opened_at, updated_at, facts_verified_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15::jsonb, $16, $17, $18, $19, $20, $21, $21, $22)
            """, c.CaseId, c.IdNumber.Value, c.Region, c.PolicyVersion, c.Event.Kind.ToString(), c.Event.Date, c.Event.FetusCount, c.Event.Dystocia,
            c.Event.GestationalWeeks, c.Event.Category?.ToString(), c.EmployerCreditCode, ComputationJson(c), c.Computation?.Amount, c.State.ToString(),
            JsonSerializer.Serialize(c.Findings, Json), c.ApprovedOn, c.DueDate, c.SettlementId, c.BatchId, c.ReversalPending, c.OpenedAt, c.FactsVerifiedBy);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task UpdateAsync(OutboxTransaction tx, AllowanceCase c, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = tx.Command("""
            UPDATE allowance_case SET employer_credit_code = $2, computation = $3::jsonb, amount = $4, state = $5, findings = $6::jsonb,
                approved_on = $7, due_date = $8, batch_id = $9, reversal_pending = $10, updated_at = $11, settlement_id = $12,
                region = $13, policy_version = $14, event_kind = $15, event_date = $16, fetus_count = $17, dystocia = $18, gestational_weeks = $19,
                category = $20, facts_verified_by = $21
            WHERE case_id = $1
            """, c.CaseId, c.EmployerCreditCode, ComputationJson(c), c.Computation?.Amount, c.State.ToString(), JsonSerializer.Serialize(c.Findings, Json),
            c.ApprovedOn, c.DueDate, c.BatchId, c.ReversalPending, at, c.SettlementId, c.Region, c.PolicyVersion, c.Event.Kind.ToString(), c.Event.Date,
            c.Event.FetusCount, c.Event.Dystocia, c.Event.GestationalWeeks, c.Event.Category?.ToString(), c.FactsVerifiedBy);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Records an applicant's report of the case's event with the facts it stated; false when this report was taken before.</summary>
    public async Task<bool> AddReportAsync(OutboxTransaction tx, Guid caseId, Application.EventReport report, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = tx.Command(
            "INSERT INTO case_report (channel, applicant, reference, case_id, reported_at, event) VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING",
            report.Channel.ToString(), report.Applicant, report.Reference, caseId, at, JsonSerializer.Serialize(report.Event, Json));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<IReadOnlyList<CaseReport>> ReportsAsync(NpgsqlConnection connection, Guid caseId, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT channel, applicant, reference, reported_at, event::text FROM case_report WHERE case_id = $1 ORDER BY reported_at, channel, reference", caseId);
        var reports = new List<CaseReport>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            reports.Add(new CaseReport(Enum.Parse<Channel>(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : JsonSerializer.Deserialize<BirthEvent>(r.GetString(4), Json)));
        return reports;
    }

    private static string? ComputationJson(AllowanceCase c) => c.Computation is null ? null : JsonSerializer.Serialize(c.Computation, Json);

    private static async Task<IReadOnlyList<AllowanceCase>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using (command)
        {
            var list = new List<AllowanceCase>();
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var e = new BirthEvent(Enum.Parse<AllowanceEventKind>(r.GetString(4)), r.GetFieldValue<DateOnly>(5), r.GetInt32(6), r.GetBoolean(7), r.GetInt32(8),
                    r.IsDBNull(9) ? null : Enum.Parse<BenefitCategory>(r.GetString(9)));
                list.Add(new AllowanceCase(r.GetGuid(0), ResidentIdNumber.FromStored(r.GetString(1)), r.GetString(2), r.GetString(3), e,
                    r.IsDBNull(10) ? null : r.GetString(10),
                    r.IsDBNull(11) ? null : JsonSerializer.Deserialize<AllowanceComputation>(r.GetString(11), Json),
                    Enum.Parse<CaseState>(r.GetString(12)), JsonSerializer.Deserialize<List<Finding>>(r.GetString(13), Json)!,
                    r.IsDBNull(14) ? null : r.GetFieldValue<DateOnly>(14), r.IsDBNull(15) ? null : r.GetFieldValue<DateOnly>(15),
                    r.IsDBNull(16) ? null : r.GetGuid(16), r.IsDBNull(17) ? null : r.GetGuid(17), r.GetBoolean(18), r.GetFieldValue<DateTimeOffset>(19),
                    r.IsDBNull(20) ? null : r.GetString(20)));
            }
            return list;
        }
    }
}
