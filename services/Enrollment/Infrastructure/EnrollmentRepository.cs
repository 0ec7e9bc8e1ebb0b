using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Enrollment.Domain;
using Npgsql;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>SQL for employers and insured persons. Uniqueness is the database's job: inserts report whether they won.</summary>
public sealed class EnrollmentRepository
{
    private const string EmployerColumns = "credit_code, name, bank_name, account_number, account_name, registered_at";
    private const string PersonColumns = "person_id, id_number, birth_certificate_number, name, birth_date, mobile_phone, registered_at";
    internal const string PeriodColumns = "kind, employer_credit_code, valid_from, valid_to, covered_from, reason, region";
    internal const string FilingColumns =
        "filing_id, spouse_id_number, spouse_name, employee_person_id, marriage_certificate_number, filed_on, filed_by, institution_code, created_at";

    public async Task<bool> TryInsertEmployerAsync(OutboxTransaction tx, Employer e, CancellationToken ct)
    {
        await using var command = tx.Command(
            $"INSERT INTO employer ({EmployerColumns}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credit_code) DO NOTHING",
            e.CreditCode.Value, e.Name, e.CorporateAccount.BankName, e.CorporateAccount.AccountNumber,
            e.CorporateAccount.AccountName, e.RegisteredAt);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<Employer?> FindEmployerAsync(NpgsqlConnection connection, string creditCode, CancellationToken ct)
    {
        await using var command = connection.Command($"SELECT {EmployerColumns} FROM employer WHERE credit_code = $1", creditCode);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        UnifiedSocialCreditCode.TryParse(reader.GetString(0), out var code, out _);
        return new Employer(code, reader.GetString(1),
            new BankAccount(reader.GetString(2), reader.GetString(3), reader.GetString(4)),
            reader.GetFieldValue<DateTimeOffset>(5));
    }

    public async Task UpsertWageAsync(OutboxTransaction tx, string creditCode, int year, decimal wage, CancellationToken ct)
    {
        await using var command = tx.Command(
            """
            INSERT INTO employer_wage (credit_code, year, average_monthly_wage) VALUES ($1, $2, $3)
            ON CONFLICT (credit_code, year) DO UPDATE SET average_monthly_wage = excluded.average_monthly_wage, recorded_at = now()
            """, creditCode, year, wage);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<decimal?> FindWageAsync(NpgsqlConnection connection, string creditCode, int year, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT average_monthly_wage FROM employer_wage WHERE credit_code = $1 AND year = $2", creditCode, year);
        return await command.ExecuteScalarAsync(ct) as decimal?;
    }

    /// <summary>Inserts the person and the first period; false when the ID or birth certificate number is taken.</summary>
    public async Task<bool> TryInsertPersonAsync(OutboxTransaction tx, InsuredPerson p, CancellationToken ct)
    {
        await using (var command = tx.Command(
            $"""
            INSERT INTO insured_person ({PersonColumns}, insured_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT DO NOTHING
            """,
            p.PersonId, p.IdNumber?.Value, p.BirthCertificateNumber, p.Name, p.BirthDate, p.MobilePhone, p.RegisteredAt, p.InsuredFrom))
        {
            if (await command.ExecuteNonQueryAsync(ct) == 0) return false;
        }
        await InsertPeriodAsync(tx, p.PersonId, p.History[0], ct);
        return true;
    }

    public async Task InsertPeriodAsync(OutboxTransaction tx, Guid personId, InsurancePeriod period, CancellationToken ct)
    {
        await using var command = tx.Command(
            $"INSERT INTO insurance_period (person_id, {PeriodColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            personId, period.Kind.ToString(), period.EmployerCreditCode?.Value, period.ValidFrom, period.ValidTo, period.CoveredFrom, period.Reason,
            period.Region);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task ClosePeriodAsync(OutboxTransaction tx, Guid personId, InsurancePeriod closed, CancellationToken ct)
    {
        await using var command = tx.Command(
            "UPDATE insurance_period SET valid_to = $3 WHERE person_id = $1 AND valid_from = $2", personId, closed.ValidFrom, closed.ValidTo);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task SetIdNumberAsync(OutboxTransaction tx, Guid personId, string idNumber, CancellationToken ct)
    {
        await using var command = tx.Command("UPDATE insured_person SET id_number = $2 WHERE person_id = $1", personId, idNumber);
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task<InsuredPerson?> FindPersonAsync(NpgsqlConnection connection, Guid personId, CancellationToken ct, bool forUpdate = false) =>
        FindPersonWhereAsync(connection, "person_id = $1", personId, ct, forUpdate);

    public Task<InsuredPerson?> FindPersonByIdNumberAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct) =>
        FindPersonWhereAsync(connection, "id_number = $1", idNumber, ct, false);

    public Task<InsuredPerson?> FindPersonByBirthCertificateAsync(NpgsqlConnection connection, string certificate, CancellationToken ct) =>
        FindPersonWhereAsync(connection, "birth_certificate_number = $1", certificate, ct, false);

    private static async Task<InsuredPerson?> FindPersonWhereAsync(
        NpgsqlConnection connection, string condition, object key, CancellationToken ct, bool forUpdate)
    {
        // The row lock (when asked) serialises changes to one person's history.
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.BatchCommand($"SELECT {PersonColumns} FROM insured_person WHERE {condition}{(forUpdate ? " FOR UPDATE" : "")}", key),
                Sql.BatchCommand(
                    $"SELECT {PeriodColumns} FROM insurance_period WHERE person_id = (SELECT person_id FROM insured_person WHERE {condition}) ORDER BY valid_from",
                    key),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        ResidentIdNumber? idNumber = reader.IsDBNull(1) ? null : ParseId(reader.GetString(1));
        var person = (Id: reader.GetGuid(0), IdNumber: idNumber, Certificate: reader.IsDBNull(2) ? null : reader.GetString(2),
            Name: reader.GetString(3), Birth: reader.GetFieldValue<DateOnly>(4), Phone: reader.IsDBNull(5) ? null : reader.GetString(5),
            RegisteredAt: reader.GetFieldValue<DateTimeOffset>(6));
        await reader.NextResultAsync(ct);
        var history = new List<InsurancePeriod>();
        while (await reader.ReadAsync(ct)) history.Add(ReadPeriod(reader, 0));
        return new InsuredPerson(person.Id, person.IdNumber, person.Certificate, person.Name, person.Birth, person.Phone, person.RegisteredAt, history);
    }

    internal static InsurancePeriod ReadPeriod(NpgsqlDataReader reader, int first)
    {
        UnifiedSocialCreditCode? employer = null;
        if (!reader.IsDBNull(first + 1) && UnifiedSocialCreditCode.TryParse(reader.GetString(first + 1), out var code, out _)) employer = code;
        return new InsurancePeriod(Enum.Parse<InsuredKind>(reader.GetString(first)), employer,
            reader.GetFieldValue<DateOnly>(first + 2), reader.IsDBNull(first + 3) ? null : reader.GetFieldValue<DateOnly>(first + 3),
            reader.GetFieldValue<DateOnly>(first + 4), reader.GetString(first + 5), reader.GetString(first + 6));
    }

    public async Task<SpouseFiling?> FindFilingAsync(NpgsqlConnection connection, string spouseIdNumber, CancellationToken ct)
    {
        await using var command = connection.Command($"SELECT {FilingColumns} FROM spouse_filing WHERE spouse_id_number = $1", spouseIdNumber);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadFiling(reader) : null;
    }

    /// <summary>Human resources' employment and unemployment registrations of a person.</summary>
    public async Task<IReadOnlyList<LabourRecord>> LabourRecordsAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct)
    {
        await using var command = connection.Command(
            "SELECT kind, valid_from, valid_to, employer_credit_code FROM labour_record WHERE id_number = $1", idNumber);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var records = new List<LabourRecord>();
        while (await reader.ReadAsync(ct))
            records.Add(new LabourRecord(Enum.Parse<LabourRecordKind>(reader.GetString(0)), reader.GetFieldValue<DateOnly>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        return records;
    }

    /// <summary>The health commission's record of a birth, by its certificate number.</summary>
    public async Task<BirthRecord?> FindBirthRecordAsync(NpgsqlConnection connection, string certificate, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            SELECT certificate_number, birth_date, newborn_name, mother_id_number, guardian_id_number, guardian_name, guardian_mobile_phone, region
            FROM birth_record WHERE certificate_number = $1
            """, certificate);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new BirthRecord(r.GetString(0), r.GetFieldValue<DateOnly>(1), r.GetString(2), ParseId(r.GetString(3)), ParseId(r.GetString(4)),
                r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7))
            : null;
    }

    internal static SpouseFiling ReadFiling(NpgsqlDataReader r) =>
        new(r.GetGuid(0), ParseId(r.GetString(1)), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetFieldValue<DateOnly>(5),
            r.GetString(6), r.GetString(7), r.GetFieldValue<DateTimeOffset>(8));

    internal static ResidentIdNumber ParseId(string stored)
    {
        ResidentIdNumber.TryParse(stored, out var id, out _);
        return id;
    }
}
