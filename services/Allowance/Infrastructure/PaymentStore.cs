using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using Npgsql;

namespace MaternityCloud.Allowance.Infrastructure;

/// <summary>One transfer to one employer's corporate account, for one or more cases; the bank's answer once it comes.</summary>
public sealed record PaymentLine(
    int LineNo, string EmployerCreditCode, string AccountName, string BankName, string AccountNumber, decimal Amount, IReadOnlyList<Guid> CaseIds,
    string? Outcome, string? Reason, string? BankReference);

public sealed record PaymentBatch(
    Guid BatchId, DateOnly BatchDate, int LineCount, int CaseCount, decimal TotalAmount, decimal PaidAmount, decimal FailedAmount, string State,
    string File, IReadOnlyList<PaymentLine> Lines);

/// <summary>Payment batches and their lines in allowancedb.</summary>
public sealed class PaymentStore
{
    /// <summary>
    /// Claims <paramref name="job"/>'s run for <paramref name="day"/> in <paramref name="tx"/>: false when another run
    /// claimed it (a concurrent one's claim is waited for: taken if it commits, free again if it rolls back).
    /// </summary>
    public async Task<bool> ClaimScheduledRunAsync(OutboxTransaction tx, string job, DateOnly day, CancellationToken ct)
    {
        await using var claim = tx.Command("INSERT INTO scheduled_run (job, run_date) VALUES ($1, $2) ON CONFLICT DO NOTHING", job, day);
        return await claim.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task InsertAsync(OutboxTransaction tx, PaymentBatch batch, string createdBy, DateTimeOffset at, CancellationToken ct)
    {
        await using var b = new NpgsqlBatch(tx.Connection, tx.Transaction);
        b.BatchCommands.Add(Sql.BatchCommand("""
            INSERT INTO payment_batch (batch_id, batch_date, created_by, created_at, line_count, case_count, total_amount, state, file)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'sent', $8)
            """, batch.BatchId, batch.BatchDate, createdBy, at, batch.LineCount, batch.CaseCount, batch.TotalAmount, batch.File));
        foreach (var l in batch.Lines)
            b.BatchCommands.Add(Sql.BatchCommand("""
                INSERT INTO payment_line (batch_id, line_no, employer_credit_code, account_name, bank_name, account_number, amount, case_ids)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """, batch.BatchId, l.LineNo, l.EmployerCreditCode, l.AccountName, l.BankName, l.AccountNumber, l.Amount, l.CaseIds.ToArray()));
        b.BatchCommands.Add(Sql.BatchCommand(
            "UPDATE allowance_case SET state = 'InPayment', batch_id = $1, updated_at = $3 WHERE case_id = ANY($2)",
            batch.BatchId, batch.Lines.SelectMany(l => l.CaseIds).ToArray(), at));
        await b.ExecuteNonQueryAsync(ct);
    }

    public async Task<PaymentBatch?> FindAsync(NpgsqlConnection connection, Guid batchId, CancellationToken ct, bool forUpdate = false)
    {
        PaymentBatch? batch;
        await using (var command = connection.Command("""
            SELECT batch_id, batch_date, line_count, case_count, total_amount, paid_amount, failed_amount, state, file FROM payment_batch WHERE batch_id = $1
            """ + (forUpdate ? " FOR UPDATE" : ""), batchId))
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct)) return null;
            batch = new PaymentBatch(r.GetGuid(0), r.GetFieldValue<DateOnly>(1), r.GetInt32(2), r.GetInt32(3), r.GetDecimal(4), r.GetDecimal(5),
                r.GetDecimal(6), r.GetString(7), r.GetString(8), []);
        }
        var lines = new List<PaymentLine>();
        await using (var command = connection.Command("""
            SELECT line_no, employer_credit_code, account_name, bank_name, account_number, amount, case_ids, outcome, reason, bank_reference
            FROM payment_line WHERE batch_id = $1 ORDER BY line_no
            """, batchId))
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                lines.Add(new PaymentLine(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetDecimal(5),
                    r.GetFieldValue<Guid[]>(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9)));
        }
        return batch with { Lines = lines };
    }

    /// <summary>Records the bank's answer for a line and adds it to the batch's paid or failed total; reconciled when every line is answered.</summary>
    public async Task RecordAsync(OutboxTransaction tx, Guid batchId, PaymentLine line, bool paid, string? reason, string? bankReference, DateTimeOffset at, CancellationToken ct)
    {
        await using var b = new NpgsqlBatch(tx.Connection, tx.Transaction);
        b.BatchCommands.Add(Sql.BatchCommand(
            "UPDATE payment_line SET outcome = $3, reason = $4, bank_reference = $5, recorded_at = $6 WHERE batch_id = $1 AND line_no = $2",
            batchId, line.LineNo, paid ? "paid" : "failed", reason, bankReference, at));
        b.BatchCommands.Add(Sql.BatchCommand(paid
                ? "UPDATE payment_batch SET paid_amount = paid_amount + $2 WHERE batch_id = $1"
                : "UPDATE payment_batch SET failed_amount = failed_amount + $2 WHERE batch_id = $1",
            batchId, line.Amount));
        b.BatchCommands.Add(Sql.BatchCommand("""
            UPDATE payment_batch SET state = 'reconciled'
            WHERE batch_id = $1 AND NOT EXISTS (SELECT 1 FROM payment_line WHERE batch_id = $1 AND outcome IS NULL)
            """, batchId));
        await b.ExecuteNonQueryAsync(ct);
    }
}
