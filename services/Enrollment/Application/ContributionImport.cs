using System.Globalization;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

public sealed record ContributionImportOutcome(int Received, int Stored, IReadOnlyList<RejectedRow> Rejected);

/// <summary>
/// Contribution records in bulk (from the client-streaming call, which the CSV import command also uses). Every row
/// is checked on its own; bad rows are reported by line with the reason and the good ones are stored together in one
/// transaction, so a crash or a dropped stream stores none of them and a repeated import changes nothing.
/// </summary>
public sealed partial class ContributionImport(EnrollmentChanges changes, ContributionStore store, TimeProvider clock, ILogger<ContributionImport> logger)
{
    /// <summary>More rows than this in one import are refused: split the file (bounded memory per call).</summary>
    public const int MaxRows = 1_000_000;

    public async Task<ContributionImportOutcome> ImportAsync(IAsyncEnumerable<ContributionRow> rows, CancellationToken ct)
    {
        var today = clock.GetLocalToday();
        var latestMonth = new DateOnly(today.Year, today.Month, 1);
        var valid = new List<ValidContribution>();
        var rejected = new List<RejectedRow>();
        var received = 0;

        await foreach (var row in rows.WithCancellation(ct))
        {
            if (++received > MaxRows)
                throw new RuleViolationException("import-size", $"an import holds at most {MaxRows} rows; split the file");
            if (Validate(row, latestMonth, out var contribution, out var problem)) valid.Add(contribution);
            else rejected.Add(problem);
        }

        var outcome = valid.Count == 0
            ? new ContributionStore.Outcome(0, [])
            : await changes.RunAsync(async (change, token) =>
            {
                var result = await store.UpsertAsync(change.Tx, valid, token);
                change.Affects(result.ChangedPersons);
                return result;
            }, ct);

        rejected.AddRange(outcome.Rejected);
        rejected.Sort((a, b) => a.Line.CompareTo(b.Line));
        LogImported(received, outcome.Stored, rejected.Count);
        return new ContributionImportOutcome(received, outcome.Stored, rejected);
    }

    private static bool Validate(ContributionRow row, DateOnly latestMonth, out ValidContribution contribution, out RejectedRow problem)
    {
        contribution = default;
        var v = new Validator();
        var id = v.IdNumber("id_number", row.IdNumber);
        DateOnly month = default;
        if (!DateOnly.TryParseExact(row.Month.Trim() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month))
            v.Add("month", "must be a month in the form yyyy-MM");
        else if (month > latestMonth)
            v.Add("month", $"must not be after the current month ({latestMonth:yyyy-MM})");
        string? employer = null;
        if (row.EmployerCreditCode.Trim().Length > 0)
            employer = EnrollmentHandlers.CreditCode(v, "employer_credit_code", row.EmployerCreditCode).Value;
        decimal? amount = row.Amount.Trim().Length == 0 ? null : v.Money("amount", row.Amount);

        if (v.Violations.Count > 0)
        {
            // One row, one line in the report: the first problem, with the count of the others.
            var (first, others) = (v.Violations[0], v.Violations.Skip(1).ToList());
            var more = others.Count > 0 ? $" (and {others.Count} more: {string.Join(", ", others.Select(x => x.Field))})" : "";
            problem = new RejectedRow(row.Line, first.Field, first.Reason + more);
            return false;
        }
        problem = default!;
        contribution = new ValidContribution(row.Line, id.Value, month, employer, row.PaidInFullOnTime, row.BackPayment, amount);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Contribution import: {Received} received, {Stored} stored, {Rejected} rejected")]
    private partial void LogImported(int received, int stored, int rejected);
}

/// <summary>A row that passed its own checks; whether its person exists is the database's question.</summary>
public readonly record struct ValidContribution(
    int Line, string IdNumber, DateOnly Month, string? EmployerCreditCode, bool PaidInFullOnTime, bool BackPayment, decimal? Amount);
