using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Domain;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.Claims.Infrastructure;

/// <summary>Manual reimbursement cases and their transitions (append-only) in claimsdb.</summary>
public sealed class CaseStore
{
    private const string Columns = """
        SELECT case_id, request_id, id_number, region, policy_version, item, service_date, claimed_amount, approved_amount, documents, site,
               applicant_phone, state, filed_on, due_date, due_provisional, rejection_reason, payment_reference
        FROM reimbursement_case
        """;

    public async Task<bool> TryInsertAsync(OutboxTransaction tx, ReimbursementCase c, CancellationToken ct)
    {
        await using var command = tx.Command("""
            INSERT INTO reimbursement_case (case_id, site, request_id, id_number, region, policy_version, item, service_date, claimed_amount,
                documents, applicant_phone, state, filed_on, due_date, due_provisional)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            ON CONFLICT (site, request_id) DO NOTHING
            """, c.CaseId, c.Site, c.RequestId, c.IdNumber.Value, c.Region, c.PolicyVersion, c.Item.ToString(), c.ServiceDate, c.ClaimedAmount,
            c.Documents.ToArray(), c.ApplicantPhone, c.State.ToString(), c.FiledOn, c.Due.Date, c.Due.Provisional);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<ReimbursementCase?> FindAsync(NpgsqlConnection connection, Guid caseId, CancellationToken ct, bool forUpdate = false) =>
        (await ReadAsync(connection.Command(Columns + " WHERE case_id = $1" + (forUpdate ? " FOR UPDATE" : ""), caseId), ct)).SingleOrDefault();

    public async Task<ReimbursementCase?> FindByRequestAsync(NpgsqlConnection connection, string site, string requestId, CancellationToken ct) =>
        (await ReadAsync(connection.Command(Columns + " WHERE site = $1 AND request_id = $2", site, requestId), ct)).SingleOrDefault();

    /// <summary>Cases in a site (null: every site), optionally in one state and past their due date, soonest due first.</summary>
    public async Task<IReadOnlyList<ReimbursementCase>> ListAsync(NpgsqlConnection connection, string? site, CaseState? state, DateOnly? dueBefore, int limit, CancellationToken ct)
    {
        var command = connection.Command(Columns + """
             WHERE ($1::text IS NULL OR site = $1) AND ($2::text IS NULL OR state = $2)
               AND ($3::date IS NULL OR (due_date < $3 AND state NOT IN ('Closed', 'Rejected', 'Paid')))
             ORDER BY due_date, case_id LIMIT $4
            """, Sql.Optional(site, NpgsqlDbType.Text), Sql.Optional(state?.ToString(), NpgsqlDbType.Text), Sql.Optional(dueBefore, NpgsqlDbType.Date), limit);
        return await ReadAsync(command, ct);
    }

    public async Task UpdateAsync(OutboxTransaction tx, ReimbursementCase c, CaseTransition transition, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        batch.BatchCommands.Add(Sql.BatchCommand("""
            UPDATE reimbursement_case SET state = $2, approved_amount = $3, rejection_reason = $4, payment_reference = $5 WHERE case_id = $1
            """, c.CaseId, c.State.ToString(), c.ApprovedAmount, c.RejectionReason, c.PaymentReference));
        batch.BatchCommands.Add(TransitionInsert(c.CaseId, transition));
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task AddTransitionAsync(OutboxTransaction tx, Guid caseId, CaseTransition transition, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        batch.BatchCommands.Add(TransitionInsert(caseId, transition));
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<CaseTransition>> TransitionsAsync(NpgsqlConnection connection, Guid caseId, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT from_state, to_state, operator_id, role, site, at, reason FROM case_transition WHERE case_id = $1 ORDER BY transition_id", caseId);
        var list = new List<CaseTransition>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new CaseTransition(r.IsDBNull(0) ? null : Enum.Parse<CaseState>(r.GetString(0)), Enum.Parse<CaseState>(r.GetString(1)),
                r.GetString(2), Enum.Parse<OperatorRole>(r.GetString(3)), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5), r.GetString(6)));
        return list;
    }

    private static NpgsqlBatchCommand TransitionInsert(Guid caseId, CaseTransition t) => Sql.BatchCommand("""
        INSERT INTO case_transition (case_id, from_state, to_state, operator_id, role, site, at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """, caseId, t.From?.ToString(), t.To.ToString(), t.OperatorId, t.Role.ToString(), t.Site, t.At, t.Reason);

    private static async Task<IReadOnlyList<ReimbursementCase>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using (command)
        {
            var list = new List<ReimbursementCase>();
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
                list.Add(new ReimbursementCase(r.GetGuid(0), r.GetString(1), ResidentIdNumber.FromStored(r.GetString(2)), r.GetString(3), r.GetString(4),
                    Enum.Parse<ReimbursementItem>(r.GetString(5)), r.GetFieldValue<DateOnly>(6), r.GetDecimal(7), r.IsDBNull(8) ? null : r.GetDecimal(8),
                    r.GetFieldValue<string[]>(9), r.GetString(10), Text(11), Enum.Parse<CaseState>(r.GetString(12)), r.GetFieldValue<DateOnly>(13),
                    new WorkingDayDeadline(r.GetFieldValue<DateOnly>(14), r.GetBoolean(15)), Text(16), Text(17)));
            }
            return list;
        }
    }
}
