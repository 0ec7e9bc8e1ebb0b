using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Enrollment.Domain;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>Who a check is about: the cache and the revisions key answers by this text ("id:…" or "p:…").</summary>
public readonly record struct EligibilitySubject(string Key, string? IdNumber, Guid? PersonId)
{
    public static EligibilitySubject ForIdNumber(string idNumber) => new($"id:{idNumber}", idNumber, null);
    public static EligibilitySubject ForPerson(Guid personId) => new($"p:{personId}", null, personId);
}

/// <summary>A subject's revision after a change, for invalidating its cached answers once the change is committed.</summary>
public readonly record struct SubjectRevision(string Subject, long Revision);

/// <summary>
/// Reads the facts of an eligibility decision in one snapshot, and bumps the revisions of every subject whose answer a
/// change can alter, in the change's own transaction.
/// </summary>
public sealed class EligibilityStore(NpgsqlDataSource dataSource)
{
    // How far back contributions are read: the longest minimum a region may set (RegionPolicyDocument allows 120).
    private const int ContributionMonthsRead = 121;

    public async Task<(EligibilityFacts Facts, long Revision)> ReadAsync(EligibilitySubject subject, DateOnly eventDate, CancellationToken ct)
    {
        var eventMonth = new DateOnly(eventDate.Year, eventDate.Month, 1);
        var oldest = eventMonth.AddMonths(-ContributionMonthsRead);
        var personCondition = subject.PersonId is not null ? "p.person_id = $1" : "p.id_number = $1";
        object key = subject.PersonId is { } id ? id : subject.IdNumber!;
        // The spouse filing is keyed by the spouse's ID number, which a person-id subject finds through its record.
        var spouseIdNumber = subject.PersonId is not null
            ? "(SELECT id_number FROM insured_person WHERE person_id = $1)"
            : "$1";

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Sql.BatchCommand("SELECT revision FROM eligibility_revision WHERE subject = $1", subject.Key),
                Sql.BatchCommand($"""
                    SELECT ip.kind, ip.employer_credit_code, ip.valid_from, ip.valid_to, ip.covered_from, ip.reason, ip.region
                    FROM insurance_period ip JOIN insured_person p USING (person_id)
                    WHERE {personCondition} ORDER BY ip.valid_from
                    """, key),
                Sql.BatchCommand($"""
                    SELECT c.month, c.paid_in_full_on_time, c.back_payment, c.transferred_from
                    FROM contribution c JOIN insured_person p USING (person_id)
                    WHERE {personCondition} AND c.month < $2 AND c.month >= $3
                    """, key, eventMonth, oldest),
                Sql.BatchCommand($"SELECT {EnrollmentRepository.FilingColumns} FROM spouse_filing WHERE spouse_id_number = {spouseIdNumber}", key),
                Sql.BatchCommand($"SELECT {StatusColumns} FROM person_status WHERE id_number = {spouseIdNumber}", key),
                Sql.BatchCommand($"""
                    SELECT d.dissolved_on FROM marriage_dissolution d JOIN spouse_filing f ON f.marriage_certificate_number = d.certificate_number
                    WHERE f.spouse_id_number = {spouseIdNumber}
                    """, key),
            },
        };
        long revision;
        List<InsurancePeriod> ownHistory;
        List<ContributionMonth> ownContributions;
        SpouseFiling? filing = null;
        List<PersonStatus> ownStatuses;
        DateOnly? dissolvedOn = null;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            revision = await reader.ReadAsync(ct) ? reader.GetInt64(0) : 0;
            await reader.NextResultAsync(ct);
            ownHistory = await ReadPeriodsAsync(reader, ct);
            await reader.NextResultAsync(ct);
            ownContributions = await ReadContributionsAsync(reader, ct);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) filing = EnrollmentRepository.ReadFiling(reader);
            await reader.NextResultAsync(ct);
            ownStatuses = await ReadStatusesAsync(reader, ct);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) dissolvedOn = reader.GetFieldValue<DateOnly>(0);
        }

        // Only a filed spouse needs her husband's facts: read them in the same snapshot, and only then (most checks
        // are about the person's own insurance, and skip these two statements).
        List<InsurancePeriod> employeeHistory = [];
        List<ContributionMonth> employeeContributions = [];
        List<PersonStatus> employeeStatuses = [];
        if (filing is not null)
        {
            await using var husband = new NpgsqlBatch(connection, tx)
            {
                BatchCommands =
                {
                    Sql.BatchCommand($"SELECT {EnrollmentRepository.PeriodColumns} FROM insurance_period WHERE person_id = $1 ORDER BY valid_from",
                        filing.EmployeePersonId),
                    Sql.BatchCommand("SELECT month, paid_in_full_on_time, back_payment, transferred_from FROM contribution WHERE person_id = $1 AND month < $2 AND month >= $3",
                        filing.EmployeePersonId, eventMonth, oldest),
                    Sql.BatchCommand($"SELECT {StatusColumns} FROM person_status WHERE id_number = (SELECT id_number FROM insured_person WHERE person_id = $1)",
                        filing.EmployeePersonId),
                },
            };
            await using var reader = await husband.ExecuteReaderAsync(ct);
            employeeHistory = await ReadPeriodsAsync(reader, ct);
            await reader.NextResultAsync(ct);
            employeeContributions = await ReadContributionsAsync(reader, ct);
            await reader.NextResultAsync(ct);
            employeeStatuses = await ReadStatusesAsync(reader, ct);
        }

        var facts = new EligibilityFacts(
            ownHistory.Count > 0 || ownStatuses.Count > 0 ? new InsuranceRecord(ownHistory, ownContributions, ownStatuses) : null,
            filing,
            filing is not null ? new InsuranceRecord(employeeHistory, employeeContributions, employeeStatuses) : null,
            dissolvedOn);
        return (facts, revision);
    }

    /// <summary>
    /// Bumps the revision of every subject whose answer depends on these persons: the persons themselves (by id and
    /// by ID number) and the spouses filed against them, plus any extra subjects. Sorted, so concurrent bulk changes
    /// take the row locks in one order and cannot deadlock.
    /// </summary>
    public static async Task<IReadOnlyList<SubjectRevision>> BumpAsync(
        OutboxTransaction tx, IReadOnlyCollection<Guid> personIds, IReadOnlyCollection<string>? extraSubjects, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH subjects AS (
                SELECT 'p:' || person_id AS subject FROM insured_person WHERE person_id = ANY($1)
                UNION SELECT 'id:' || id_number FROM insured_person WHERE person_id = ANY($1) AND id_number IS NOT NULL
                UNION SELECT 'id:' || spouse_id_number FROM spouse_filing WHERE employee_person_id = ANY($1)
                UNION SELECT unnest($2::text[])
            )
            INSERT INTO eligibility_revision (subject, revision)
            SELECT subject, 1 FROM subjects ORDER BY subject
            ON CONFLICT (subject) DO UPDATE SET revision = eligibility_revision.revision + 1
            RETURNING subject, revision
            """, tx.Connection, tx.Transaction)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = personIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new NpgsqlParameter { Value = (extraSubjects ?? []).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
        var revisions = new List<SubjectRevision>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) revisions.Add(new SubjectRevision(reader.GetString(0), reader.GetInt64(1)));
        return revisions;
    }

    private static async Task<List<InsurancePeriod>> ReadPeriodsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var periods = new List<InsurancePeriod>();
        while (await reader.ReadAsync(ct)) periods.Add(EnrollmentRepository.ReadPeriod(reader, 0));
        return periods;
    }

    private const string StatusColumns = "kind, valid_from, valid_to";

    private static async Task<List<PersonStatus>> ReadStatusesAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var statuses = new List<PersonStatus>();
        while (await reader.ReadAsync(ct))
            statuses.Add(new PersonStatus(Enum.Parse<PersonStatusKind>(reader.GetString(0)), reader.GetFieldValue<DateOnly>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2)));
        return statuses;
    }

    private static async Task<List<ContributionMonth>> ReadContributionsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var months = new List<ContributionMonth>();
        while (await reader.ReadAsync(ct))
            months.Add(new ContributionMonth(reader.GetFieldValue<DateOnly>(0), reader.GetBoolean(1), reader.GetBoolean(2),
                reader.IsDBNull(3) ? null : reader.GetString(3)));
        return months;
    }
}
