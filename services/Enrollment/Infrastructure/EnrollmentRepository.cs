using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.Enrollment.Domain;
using Npgsql;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>SQL for employers and insured persons. Uniqueness is the database's job: inserts report whether they won.</summary>
public sealed class EnrollmentRepository
{
    private const string EmployerColumns = "credit_code, name, bank_name, account_number, account_name, registered_at";
    private const string PersonColumns = "person_id, id_number, name, kind, employer_credit_code, insured_from, mobile_phone, registered_at";

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
        await using var command = new NpgsqlCommand($"SELECT {EmployerColumns} FROM employer WHERE credit_code = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = creditCode } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        UnifiedSocialCreditCode.TryParse(reader.GetString(0), out var code, out _);
        return new Employer(code, reader.GetString(1),
            new BankAccount(reader.GetString(2), reader.GetString(3), reader.GetString(4)),
            reader.GetFieldValue<DateTimeOffset>(5));
    }

    public async Task<bool> TryInsertPersonAsync(OutboxTransaction tx, InsuredPerson p, CancellationToken ct)
    {
        await using var command = tx.Command(
            $"INSERT INTO insured_person ({PersonColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id_number) DO NOTHING",
            p.PersonId, p.IdNumber.Value, p.Name, p.Kind.ToString(), p.EmployerCreditCode?.Value, p.InsuredFrom, p.MobilePhone,
            p.RegisteredAt);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public Task<InsuredPerson?> FindPersonAsync(NpgsqlConnection connection, Guid personId, CancellationToken ct) =>
        FindPersonWhereAsync(connection, "person_id = $1", personId, ct);

    public Task<InsuredPerson?> FindPersonByIdNumberAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct) =>
        FindPersonWhereAsync(connection, "id_number = $1", idNumber, ct);

    private static async Task<InsuredPerson?> FindPersonWhereAsync(NpgsqlConnection connection, string condition, object key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {PersonColumns} FROM insured_person WHERE {condition}", connection)
        {
            Parameters = { new NpgsqlParameter { Value = key } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        ResidentIdNumber.TryParse(reader.GetString(1), out var idNumber, out _);
        UnifiedSocialCreditCode? employer = null;
        if (!reader.IsDBNull(4) && UnifiedSocialCreditCode.TryParse(reader.GetString(4), out var code, out _)) employer = code;
        return new InsuredPerson(reader.GetGuid(0), idNumber, reader.GetString(2), Enum.Parse<InsuredKind>(reader.GetString(3)),
            employer, reader.GetFieldValue<DateOnly>(5), reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.GetFieldValue<DateTimeOffset>(7));
    }
}
