using System.Globalization;
using System.Text;
using MaternityCloud.Allowance.Domain;
using MaternityCloud.Allowance.Infrastructure;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.Allowance.Application;

public sealed record PaymentResult(int LineNo, bool Paid, string Reason, string BankReference);

/// <summary>
/// Paying approved cases to employers: a batch collects every approved case not yet in one, one line (one transfer) per
/// employer account, and writes the payment file for the bank. The bank's results come back per line: paid cases are
/// paid, failed ones return to the next batch with the reason kept. A batch is reconciled when every line is answered
/// and its paid and failed totals add up to its total.
/// </summary>
public sealed class PaymentHandlers(ServiceDatabase database, AllowanceStore cases, PaymentStore payments, IEnrollmentFacts facts, TimeProvider clock)
{
    public async Task<PaymentBatch> RunBatchAsync(string operatorName, CancellationToken ct)
    {
        var v = new Validator();
        var who = v.Text("operator", operatorName);
        v.ThrowIfInvalid();
        return (await RunAsync(who, scheduledDay: null, ct))!;
    }

    /// <summary>
    /// The day's scheduled batch, made once per day however many replicas run the schedule: the day is claimed in the
    /// batch's own transaction, so a second replica waits for the first's to end and then finds the day taken (null).
    /// A day whose run found nothing to pay is not claimed, so a later run that day can still pay what came since.
    /// </summary>
    public Task<PaymentBatch?> RunDailyBatchAsync(DateOnly day, CancellationToken ct) => RunAsync(DailyRun, day, ct);

    public const string DailyRun = "daily-run";

    private async Task<PaymentBatch?> RunAsync(string who, DateOnly? scheduledDay, CancellationToken ct)
    {
        // The accounts come from Enrollment before the transaction, so no call to another service holds the cases' locks.
        IReadOnlyList<string> employers;
        await using (var connection = await database.DataSource.OpenConnectionAsync(ct))
            employers = await cases.PayableEmployersAsync(connection, ct);
        var accounts = new Dictionary<string, EmployerAccount>();
        foreach (var employer in employers)
            if (await facts.CorporateAccountAsync(employer, ct) is { } account) accounts[employer] = account;

        var at = clock.GetUtcNowForDatabase();
        var batch = await database.InTransactionAsync(async (tx, token) =>
        {
            // One batch at a time, whichever replica or operator starts it: two at once would each take part of the
            // approved cases (SKIP LOCKED) and pay one employer in two transfers.
            await tx.LockAsync("allowance:payment-batch", token);
            if (scheduledDay is { } day && !await payments.ClaimScheduledRunAsync(tx, DailyRun, day, token)) return null;
            var payable = (await cases.LockPayableAsync(tx, token)).Where(c => c.IsPayable && accounts.ContainsKey(c.EmployerCreditCode!)).ToList();
            // Refused inside the transaction, so that a refused batch leaves nothing behind (not even its audit entry).
            if (payable.Count == 0)
                throw new RuleViolationException("nothing-to-pay", "no approved case waits for payment to an employer with a known account");
            var batchId = Guid.CreateVersion7();
            var lines = payable.GroupBy(c => c.EmployerCreditCode!).OrderBy(g => g.Key, StringComparer.Ordinal).Select((g, i) =>
            {
                var account = accounts[g.Key];
                return new PaymentLine(i + 1, g.Key, account.AccountName, account.BankName, account.AccountNumber, g.Sum(c => c.Computation!.Amount),
                    g.Select(c => c.CaseId).ToList(), null, null, null);
            }).ToList();
            var made = new PaymentBatch(batchId, clock.GetLocalToday(), lines.Count, payable.Count, lines.Sum(l => l.Amount), 0, 0, "sent", "", lines);
            made = made with { File = PaymentFile(made) };
            await payments.InsertAsync(tx, made, who, at, token);
            return (PaymentBatch?)made;
        }, ct);
        return batch;
    }

    public async Task<PaymentBatch> RecordResultsAsync(string batchId, IReadOnlyList<PaymentResult> results, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("batch_id", batchId);
        v.Check(results.Count > 0, "results", "at least one line's result is required");
        for (var i = 0; i < results.Count; i++)
        {
            if (!results[i].Paid) v.Check(!string.IsNullOrWhiteSpace(results[i].Reason), $"results[{i}].reason", "is required when the payment failed");
            else v.Check(!string.IsNullOrWhiteSpace(results[i].BankReference), $"results[{i}].bank_reference", "is required when the payment was made");
        }
        v.Check(results.Select(r => r.LineNo).Distinct().Count() == results.Count, "results", "each line may be answered once per call");
        v.ThrowIfInvalid();

        await database.InTransactionAsync(async (tx, token) =>
        {
            var batch = await payments.FindAsync(tx.Connection, id, token, forUpdate: true) ?? throw new NotFoundException("payment batch", batchId);
            var at = clock.GetUtcNowForDatabase();
            foreach (var result in results)
            {
                var line = batch.Lines.SingleOrDefault(l => l.LineNo == result.LineNo)
                    ?? throw new ValidationFailedException([new FieldViolation("results", $"batch {id} has no line {result.LineNo}")]);
                var outcome = result.Paid ? "paid" : "failed";
                if (line.Outcome == outcome) continue; // the bank's answer repeated
                if (line.Outcome is not null)
                    throw new RuleViolationException("payment-result-final", $"line {line.LineNo} of batch {id} was already answered {line.Outcome}");
                await payments.RecordAsync(tx, id, line, result.Paid, result.Paid ? null : result.Reason.Trim(), result.Paid ? result.BankReference.Trim() : null, at, token);
                foreach (var caseId in line.CaseIds)
                    await SettleCaseAsync(tx, caseId, id, result, at, token);
            }
        }, ct);
        return await GetBatchAsync(batchId, ct);
    }

    public async Task<PaymentBatch> GetBatchAsync(string batchId, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.Uuid("batch_id", batchId);
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await payments.FindAsync(connection, id, ct) ?? throw new NotFoundException("payment batch", batchId);
    }

    /// <summary>A case's payment answered: paid (or, if its settlement was reversed meanwhile, a recovery), or back to the queue.</summary>
    private async Task SettleCaseAsync(OutboxTransaction tx, Guid caseId, Guid batchId, PaymentResult result, DateTimeOffset at, CancellationToken ct)
    {
        var c = (await cases.FindAsync(tx.Connection, caseId, ct, forUpdate: true))!;
        var amount = c.Computation!.Amount;
        AllowanceCase next;
        if (result.Paid)
        {
            next = c with { State = c.ReversalPending ? CaseState.RecoveryOpen : CaseState.Paid };
            if (!c.ReversalPending)
                tx.AfterCommit(() => AllowanceMetrics.RecordPaid(c.Event.Kind.ToString(), c.Event.Date, MaternityCloud.BuildingBlocks.Domain.Calendar.DateInChina(at), amount));
            tx.Publish(new AllowancePaid(Guid.CreateVersion7(), at, c.CaseId, c.IdNumber.Value, c.EmployerCreditCode!, amount, batchId, result.BankReference.Trim(), c.Region));
            if (c.ReversalPending)
                tx.Publish(new AllowanceRecoveryOpened(Guid.CreateVersion7(), at, c.CaseId, c.IdNumber.Value, c.EmployerCreditCode!, amount,
                    "paid after its settlement was reversed", c.Region));
        }
        else if (c.ReversalPending)
        {
            next = c with { State = CaseState.Cancelled, BatchId = null, DueDate = null };
            tx.Publish(new AllowanceCancelled(Guid.CreateVersion7(), at, c.CaseId, c.IdNumber.Value, "settlement reversed; the payment had failed", c.Region));
        }
        else
        {
            next = c with { State = CaseState.Approved, BatchId = null, Findings = [.. c.Findings, new Finding("payment-failed", $"batch {batchId}: {result.Reason.Trim()}")] };
        }
        await cases.UpdateAsync(tx, next, at, ct);
    }

    /// <summary>
    /// The payment file (UTF-8 CSV): a header comment with the batch id, date, line count and total, then one row per
    /// transfer: line_no, employer_credit_code, account_name, bank_name, account_number, amount, case_count, reference.
    /// </summary>
    private static string PaymentFile(PaymentBatch b)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"# MaternityCloud allowance payment batch {b.BatchId} date {b.BatchDate:yyyy-MM-dd} lines {b.LineCount} cases {b.CaseCount} total {b.TotalAmount:0.00}\n");
        s.Append("line_no,employer_credit_code,account_name,bank_name,account_number,amount,case_count,reference\n");
        foreach (var l in b.Lines)
            s.Append(CultureInfo.InvariantCulture,
                $"{l.LineNo},{l.EmployerCreditCode},{Csv(l.AccountName)},{Csv(l.BankName)},{l.AccountNumber},{l.Amount:0.00},{l.CaseIds.Count},MC-{b.BatchId.ToString("N")[^12..]}-{l.LineNo:0000}\n");
        return s.ToString();
    }

    private static string Csv(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
}
