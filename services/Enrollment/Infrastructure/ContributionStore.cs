using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Enrollment.Application;
using MaternityCloud.Enrollment.Domain;
using NpgsqlTypes;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>
/// Bulk upsert of contribution months: the rows are copied into a temporary table (binary COPY) and merged with one
/// statement, so 100 thousand rows take one round trip's worth of work instead of 100 thousand.
/// </summary>
public sealed class ContributionStore
{
    public sealed record Outcome(int Stored, IReadOnlyList<RejectedRow> Rejected)
    {
        public IReadOnlyList<Guid> ChangedPersons { get; init; } = [];
    }

    public async Task<Outcome> UpsertAsync(OutboxTransaction tx, IReadOnlyList<ValidContribution> rows, CancellationToken ct)
    {
        await using (var create = tx.Command(
            """
            CREATE TEMP TABLE contribution_import (
                line int NOT NULL, id_number text NOT NULL, month date NOT NULL, employer_credit_code text,
                paid_in_full_on_time boolean NOT NULL, back_payment boolean NOT NULL, amount numeric(12, 2)
            ) ON COMMIT DROP
            """))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var copy = await tx.Connection.BeginBinaryImportAsync(
            "COPY contribution_import (line, id_number, month, employer_credit_code, paid_in_full_on_time, back_payment, amount) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.Line, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(r.IdNumber, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.Month, NpgsqlDbType.Date, ct);
                if (r.EmployerCreditCode is null) await copy.WriteNullAsync(ct); else await copy.WriteAsync(r.EmployerCreditCode, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.PaidInFullOnTime, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(r.BackPayment, NpgsqlDbType.Boolean, ct);
                if (r.Amount is null) await copy.WriteNullAsync(ct); else await copy.WriteAsync(r.Amount.Value, NpgsqlDbType.Numeric, ct);
            }
            await copy.CompleteAsync(ct);
        }

        var rejected = new List<RejectedRow>();
        await using (var problems = tx.Command(
            """
            SELECT i.line, 'id_number', 'no insured person has this ID number: register the person first'
            FROM contribution_import i LEFT JOIN insured_person p ON p.id_number = i.id_number
            WHERE p.person_id IS NULL
            UNION ALL
            SELECT i.line, 'month', 'the same person and month appear again on line ' || latest.line || ', which is the one kept'
            FROM contribution_import i
            JOIN (SELECT DISTINCT ON (id_number, month) id_number, month, line FROM contribution_import ORDER BY id_number, month, line DESC) latest
              ON latest.id_number = i.id_number AND latest.month = i.month AND latest.line <> i.line
            """))
        await using (var reader = await problems.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) rejected.Add(new RejectedRow(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        }

        var changed = new List<Guid>();
        await using (var merge = tx.Command(
            """
            INSERT INTO contribution (person_id, month, employer_credit_code, paid_in_full_on_time, back_payment, amount)
            SELECT p.person_id, l.month, l.employer_credit_code, l.paid_in_full_on_time, l.back_payment, l.amount
            FROM (SELECT DISTINCT ON (id_number, month) * FROM contribution_import ORDER BY id_number, month, line DESC) l
            JOIN insured_person p ON p.id_number = l.id_number
            ORDER BY p.person_id, l.month
            ON CONFLICT (person_id, month) DO UPDATE SET
                employer_credit_code = excluded.employer_credit_code, paid_in_full_on_time = excluded.paid_in_full_on_time,
                back_payment = excluded.back_payment, amount = excluded.amount, recorded_at = now(),
                transferred_from = NULL -- paid here after all: a month a transfer brought in becomes this region's
            WHERE (contribution.employer_credit_code, contribution.paid_in_full_on_time, contribution.back_payment, contribution.amount,
                   contribution.transferred_from)
                  IS DISTINCT FROM (excluded.employer_credit_code, excluded.paid_in_full_on_time, excluded.back_payment, excluded.amount, NULL)
            RETURNING person_id
            """))
        await using (var reader = await merge.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) changed.Add(reader.GetGuid(0));
        }

        return new Outcome(rows.Count - rejected.Count, rejected) { ChangedPersons = changed.Distinct().ToList() };
    }
}
