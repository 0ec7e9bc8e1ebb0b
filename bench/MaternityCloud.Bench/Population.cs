using System.Globalization;
using MaternityCloud.Enrollment.Domain;
using Npgsql;

namespace MaternityCloud.Bench;

/// <summary>
/// Loads what the platform's own processes would have built up, straight into their databases: insured persons with
/// contributions (Enrollment), open pregnancies with their quota (Prenatal and Claims), recipients (Notifications).
/// </summary>
public static class Population
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>
    /// Persons number <paramref name="from"/> to from+count-1, with valid ID numbers (check character computed in SQL),
    /// one open period and 12 paid months each; returns their ID numbers in order.
    /// </summary>
    public static async Task<List<string>> AddInsuredAsync(NpgsqlDataSource enrollment, int from, int count)
    {
        var checkSum = string.Join(" + ", Weights.Select((w, i) => $"substr(body, {i + 1}, 1)::int * {w}"));
        var sql = $"""
            SET LOCAL synchronous_commit = off;
            CREATE TEMP TABLE bench_new (person_id uuid, id_number text, n int) ON COMMIT DROP;
            WITH added AS (
                INSERT INTO insured_person (person_id, id_number, name, insured_from, birth_date)
                SELECT gen_random_uuid(), body || substr('10X98765432', ({checkSum}) % 11 + 1, 1), '测试', date '2015-01-01', birth
                FROM (SELECT '330302' || to_char(date '1970-01-01' + (n / 1000), 'YYYYMMDD') || lpad((n % 1000)::text, 3, '0') AS body,
                             date '1970-01-01' + (n / 1000) AS birth
                      FROM generate_series({from}, {from + count - 1}) n) s
                RETURNING person_id, id_number)
            INSERT INTO bench_new SELECT person_id, id_number, 0 FROM added;
            INSERT INTO insurance_period (person_id, valid_from, kind, covered_from, reason, region)
            SELECT person_id, date '2015-01-01', 'FlexibleWorker', date '2015-01-01', 'bench', '330300' FROM bench_new;
            INSERT INTO contribution (person_id, month, paid_in_full_on_time, back_payment)
            SELECT p.person_id, (date_trunc('month', now()) - make_interval(months => m))::date, true, false
            FROM bench_new p CROSS JOIN generate_series(1, 12) m;
            SELECT id_number FROM bench_new ORDER BY id_number;
            """;
        var ids = new List<string>(count);
        await using var connection = await enrollment.OpenConnectionAsync();
        await using (var tx = await connection.BeginTransactionAsync())
        {
            // Several statements in one command: Npgsql sends them as a simple query, so the numbers are inlined (ints).
            await using (var command = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 0 })
            await using (var reader = await command.ExecuteReaderAsync())
            {
                do { while (await reader.ReadAsync()) ids.Add(reader.GetString(0)); } while (await reader.NextResultAsync());
            }
            await tx.CommitAsync();
        }
        await using var analyze = new NpgsqlCommand("ANALYZE insured_person; ANALYZE insurance_period; ANALYZE contribution", connection) { CommandTimeout = 0 };
        await analyze.ExecuteNonQueryAsync();
        return ids;
    }

    /// <summary>
    /// An open pregnancy for each person, as a hospital's registration leaves it: the registration at Prenatal and its
    /// quota ledger at Claims, with the same registration id.
    /// </summary>
    public static async Task AddOpenPregnanciesAsync(NpgsqlDataSource prenatal, NpgsqlDataSource claims, IReadOnlyList<string> idNumbers, decimal quota)
    {
        var registrations = idNumbers.Select(_ => Guid.NewGuid()).ToArray();
        var ids = idNumbers.ToArray();
        var pregnancy = DateOnly.FromDateTime(DateTime.Today).AddDays(-120);
        await using (var command = prenatal.CreateCommand("""
            INSERT INTO prenatal_registration (registration_id, id_number, region, pregnancy_date, expected_delivery_date, fetus_count,
                hospital_code, channel, operator, state, automatic, registered_at, prenatal_quota, pregnancy_id)
            SELECT r, i, '330300', $3, $3 + 280, 1, 'H33030200001', 'HospitalServiceStation', 'bench', 'Open', false, now(), $4, r
            FROM unnest($1::uuid[], $2::text[]) AS t(r, i)
            """))
        {
            command.CommandTimeout = 0;
            command.Parameters.Add(new NpgsqlParameter { Value = registrations });
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            command.Parameters.Add(new NpgsqlParameter { Value = pregnancy });
            command.Parameters.Add(new NpgsqlParameter { Value = quota });
            await command.ExecuteNonQueryAsync();
        }
        // The pregnancy is the registration's own (registered once), as Prenatal gives a first registration.
        foreach (var sql in new[]
        {
            "INSERT INTO pregnancy_quota (pregnancy_id, id_number, region, cap) SELECT r, i, '330300', $3 FROM unnest($1::uuid[], $2::text[]) AS t(r, i)",
            "INSERT INTO quota_registration (registration_id, pregnancy_id, id_number) SELECT r, r, i FROM unnest($1::uuid[], $2::text[]) AS t(r, i) WHERE $3 > 0",
        })
        {
            await using var command = claims.CreateCommand(sql);
            command.CommandTimeout = 0;
            command.Parameters.Add(new NpgsqlParameter { Value = registrations });
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            command.Parameters.Add(new NpgsqlParameter { Value = quota });
            await command.ExecuteNonQueryAsync();
        }
        foreach (var (data, table) in new[] { (prenatal, "prenatal_registration"), (claims, "pregnancy_quota, quota_registration") })
        {
            await using var analyze = data.CreateCommand($"ANALYZE {table}");
            await analyze.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Recipients as Enrollment's events would have left them at Notifications: a name, the ID number, a mobile number.</summary>
    public static async Task<List<(string IdNumber, string Phone)>> AddRecipientsAsync(NpgsqlDataSource notifications, IReadOnlyList<string> idNumbers)
    {
        var people = idNumbers.Select((id, i) => (IdNumber: id, Phone: "139" + (10_000_000 + i).ToString(CultureInfo.InvariantCulture))).ToList();
        await using var connection = await notifications.OpenConnectionAsync();
        await using var import = await connection.BeginBinaryImportAsync("COPY recipient (person_id, name, mobile_phone, kind, id_number) FROM STDIN (FORMAT BINARY)");
        foreach (var (idNumber, phone) in people)
        {
            await import.StartRowAsync();
            await import.WriteAsync(Guid.NewGuid());
            await import.WriteAsync("陈丽娟");
            await import.WriteAsync(phone);
            await import.WriteAsync("Employee");
            await import.WriteAsync(idNumber);
        }
        await import.CompleteAsync();
        return people;
    }

    /// <summary>Makes the loaded persons employees of 200 employers with a wage for last year (valid credit codes).</summary>
    public static async Task EmployAsync(NpgsqlDataSource data, int wageYear)
    {
        var codes = Enumerable.Range(0, 200).Select(i =>
        {
            var body = "91330300" + i.ToString("000000000", CultureInfo.InvariantCulture);
            return body + UnifiedSocialCreditCode.ComputeCheckCharacter(body);
        }).ToArray();
        await using var connection = await data.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO employer (credit_code, name, bank_name, account_number, account_name) SELECT c, '温州示例企业', '中国农业银行温州分行', '1920010104' || right(c, 6), '温州示例企业' FROM unnest($1::text[]) c")
        { Parameters = { new NpgsqlParameter { Value = codes } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO employer_wage (credit_code, year, average_monthly_wage) SELECT c, $2, 6000 + (row_number() OVER ()) * 10 FROM unnest($1::text[]) c")
        { Parameters = { new NpgsqlParameter { Value = codes }, new NpgsqlParameter { Value = wageYear } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            WITH numbered AS (SELECT person_id, (row_number() OVER (ORDER BY person_id)) % 200 AS e FROM insured_person)
            UPDATE insurance_period p SET kind = 'Employee', employer_credit_code = ($1::text[])[n.e + 1] FROM numbered n WHERE p.person_id = n.person_id
            """) { Parameters = { new NpgsqlParameter { Value = codes } } });

        await batch.ExecuteNonQueryAsync();
    }
}
