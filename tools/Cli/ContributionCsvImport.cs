using System.Globalization;
using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;

namespace MaternityCloud.Cli;

/// <summary>What an import did, with every refused line (the file's own line numbers, header = line 1).</summary>
public sealed record CsvImportSummary(int Lines, int Stored, IReadOnlyList<(int Line, string Field, string Reason)> Rejected);

/// <summary>
/// Reads a contribution CSV and streams it to Enrollment's RecordContributions. The service stores the good rows in
/// one transaction when the stream ends, so an interrupted import stores nothing and running it again is safe.
/// Columns (header required, any order): id_number, month (yyyy-MM), employer_credit_code, paid_in_full_on_time,
/// back_payment, amount. Flags are true/false, 1/0, yes/no or 是/否.
/// </summary>
public static class ContributionCsvImport
{
    private static readonly string[] Required = ["id_number", "month", "paid_in_full_on_time"];

    public static async Task<CsvImportSummary> RunAsync(
        Stream csv, Enrollment.EnrollmentClient client, Action<string> progress, CancellationToken ct)
    {
        using var reader = new StreamReader(csv);
        var header = (await reader.ReadLineAsync(ct) ?? "").TrimStart('\uFEFF').Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var missing = Required.Where(r => !header.Contains(r)).ToList();
        if (missing.Count > 0)
            throw new FormatException($"line 1: the header must name the columns {string.Join(", ", Required)} (missing: {string.Join(", ", missing)})");
        int Column(string name) => Array.IndexOf(header, name);
        var (id, month, employer, paid, back, amount) =
            (Column("id_number"), Column("month"), Column("employer_credit_code"), Column("paid_in_full_on_time"), Column("back_payment"), Column("amount"));

        var rejected = new List<(int, string, string)>();
        var fileLineOfMessage = new List<int>();  // the service numbers the messages; we report file lines
        var line = 1;
        using var call = client.RecordContributions(cancellationToken: ct);
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            line++;
            if (text.Trim().Length == 0) continue;
            var cells = text.Split(',');
            if (cells.Length != header.Length)
            {
                rejected.Add((line, "line", $"has {cells.Length} columns, the header has {header.Length}"));
                continue;
            }
            string Cell(int index) => index < 0 ? "" : cells[index].Trim().Trim('"');
            if (!TryFlag(Cell(paid), out var paidInFull))
            {
                rejected.Add((line, "paid_in_full_on_time", "must be true or false"));
                continue;
            }
            // back_payment may be left out (column or cell): no back-payment.
            if (!TryFlag(Cell(back) is { Length: > 0 } backText ? backText : "false", out var backPayment))
            {
                rejected.Add((line, "back_payment", "must be true or false"));
                continue;
            }
            await call.RequestStream.WriteAsync(new ContributionRecord
            {
                IdNumber = Cell(id), Month = Cell(month), EmployerCreditCode = Cell(employer),
                PaidInFullOnTime = paidInFull, BackPayment = backPayment, Amount = Cell(amount),
            }, ct);
            fileLineOfMessage.Add(line);
            if (fileLineOfMessage.Count % 10_000 == 0) progress($"sent {fileLineOfMessage.Count:N0} rows");
        }
        await call.RequestStream.CompleteAsync();
        progress($"sent {fileLineOfMessage.Count:N0} rows; the service is storing them in one transaction");

        var result = await call.ResponseAsync;
        rejected.AddRange(result.Rejected.Select(r => (fileLineOfMessage[r.Line - 1], r.Field, r.Reason)));
        rejected.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return new CsvImportSummary(line - 1, result.Stored, rejected);
    }

    private static bool TryFlag(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "y" or "yes" or "是": value = true; return true;
            case "false" or "0" or "n" or "no" or "否": value = false; return true;
            default: value = false; return false;
        }
    }
}
