using System.Globalization;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

public sealed record TransferMonthRow(string Month, bool PaidInFullOnTime, bool BackPayment);

public enum TransferWay { In = 1, Out = 2 }

/// <summary>One transfer of a person's insurance between pooling regions, as recorded; the months it carried or certified.</summary>
public sealed record TransferRecord(
    string TransferId, TransferWay Direction, Guid PersonId, string IdNumber, string OtherRegion, DateOnly EffectiveOn, int Months,
    int MonthsAlreadyHere, IReadOnlyList<ContributionMonth> CertifiedMonths, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>
/// 医保关系转移接续: a person's insurance moving between pooling regions. In: the months paid in the other region, from
/// its transfer form, are kept naming that region and count for eligibility where this region's rules say so (a month
/// already paid here stays as it was). Out: insurance here ends on the last day, and every month on record is certified
/// (kept with the transfer) for the other region to take. Each transfer is kept by its form's number: recording it again answers the first.
/// </summary>
public sealed partial class TransferHandlers(
    EnrollmentChanges changes, EnrollmentRepository repository, TimeProvider clock, ILogger<TransferHandlers> logger)
{
    private const int MaxMonths = 600;

    public async Task<TransferRecord> TransferInAsync(string transferId, string idNumber, string fromRegion, IReadOnlyList<TransferMonthRow> months,
        Caller caller, CancellationToken ct)
    {
        var today = clock.GetLocalToday();
        var v = new Validator();
        var id = TransferId(v, transferId);
        var person = v.IdNumber("id_number", idNumber);
        var from = v.StatedRegion("from_region", fromRegion);
        v.Check(from.Length == 6, "from_region", "is required: the pooling region the person was insured in");
        v.Check(months.Count is >= 1 and <= MaxMonths, "months", $"must list from 1 to {MaxMonths} months");
        var parsed = new List<ContributionMonth>();
        foreach (var (m, i) in months.Select((m, i) => (m, i)))
        {
            if (DateOnly.TryParseExact(m.Month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && month <= today)
                parsed.Add(new ContributionMonth(new DateOnly(month.Year, month.Month, 1), m.PaidInFullOnTime, m.BackPayment, from));
            else v.Add($"months[{i}].month", "must be a month in the form yyyy-MM, not in the future");
        }
        if (parsed.GroupBy(m => m.Month).FirstOrDefault(g => g.Count() > 1) is { } twice)
            v.Add("months", $"lists {twice.Key:yyyy-MM} more than once");
        v.ThrowIfInvalid();
        var fingerprint = string.Join(';', parsed.OrderBy(m => m.Month).Select(m => $"{m.Month:yyyy-MM}:{m.PaidInFullOnTime}:{m.BackPayment}").Prepend($"in:{person.Value}:{from}"));

        return await changes.RunAsync(async (change, token) =>
        {
            var tx = change.Tx;
            var insured = await repository.FindPersonByIdNumberAsync(tx.Connection, person.Value, token)
                ?? throw new RuleViolationException("transfer-person-registered",
                    $"{person.Masked} is not registered here: register the person in this region first (RegisterInsuredPerson), then transfer the months in");
            if (insured.Region == from)
                throw new ValidationFailedException([new FieldViolation("from_region", $"is the region the person is insured in here ({from}): a transfer comes from another region")]);
            tx.About(person.Value);
            await tx.LockAsync("transfer:" + id, token); // one form number, one transfer, even when two arrive at once
            await tx.LockAsync("person:" + insured.PersonId, token);
            if (await FindAsync(tx, id, token) is { } earlier) return Same(earlier, fingerprint, id);

            var stored = 0;
            foreach (var m in parsed)
            {
                await using var insert = tx.Command(
                    """
                    INSERT INTO contribution (person_id, month, paid_in_full_on_time, back_payment, transferred_from)
                    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id, month) DO NOTHING
                    """, insured.PersonId, m.Month, m.PaidInFullOnTime, m.BackPayment, from);
                stored += await insert.ExecuteNonQueryAsync(token);
            }
            var transfer = new TransferRecord(id, TransferWay.In, insured.PersonId, person.Value, from, today, stored, parsed.Count - stored, [],
                caller.Id, clock.GetUtcNowForDatabase());
            await InsertAsync(tx, transfer, fingerprint, token);
            change.Affects(insured.PersonId);
            LogTransfer(id, "in", person.Masked, from, stored);
            return transfer;
        }, ct);
    }

    public async Task<TransferRecord> TransferOutAsync(string transferId, string personIdText, string toRegion, string lastDayText, Caller caller,
        CancellationToken ct)
    {
        var v = new Validator();
        var id = TransferId(v, transferId);
        var personId = v.Uuid("person_id", personIdText);
        var to = v.StatedRegion("to_region", toRegion);
        v.Check(to.Length == 6, "to_region", "is required: the pooling region the person moves to");
        var lastDay = v.Date("last_day", lastDayText, notAfter: clock.GetLocalToday().AddYears(1));
        v.ThrowIfInvalid();
        var fingerprint = $"out:{personId}:{to}:{lastDay:yyyy-MM-dd}";

        return await changes.RunAsync(async (change, token) =>
        {
            var tx = change.Tx;
            var person = await repository.FindPersonAsync(tx.Connection, personId, token, forUpdate: true)
                ?? throw new NotFoundException("insured person", personIdText);
            tx.About(person.IdNumber?.Value ?? person.PersonId.ToString());
            await tx.LockAsync("transfer:" + id, token);
            if (await FindAsync(tx, id, token) is { } earlier) return Same(earlier, fingerprint, id);
            if (person.Region == to)
                throw new ValidationFailedException([new FieldViolation("to_region", $"is the region the person is insured in here ({to}): a transfer goes to another region")]);

            var history = person.WithEnd(lastDay);
            await repository.ClosePeriodAsync(tx, personId, history[^1], token);
            tx.Publish(new InsuranceEnded(Guid.CreateVersion7(), clock.GetUtcNow(), personId, lastDay, $"transferred out to {to} ({id})"));
            var certified = await MonthsOnRecordAsync(tx, personId, lastDay, token);
            var transfer = new TransferRecord(id, TransferWay.Out, personId, person.IdNumber?.Value ?? "", to, lastDay, certified.Count, 0, certified,
                caller.Id, clock.GetUtcNowForDatabase());
            await InsertAsync(tx, transfer, fingerprint, token);
            change.Affects(personId);
            LogTransfer(id, "out", person.MaskedIdentity, to, certified.Count);
            return transfer;
        }, ct);
    }

    public async Task<IReadOnlyList<TransferRecord>> ListAsync(string idNumber, CancellationToken ct)
    {
        var v = new Validator();
        var person = v.IdNumber("id_number", idNumber);
        v.ThrowIfInvalid();
        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            tx.About(person.Value);
            await using var read = tx.Command(
                $"SELECT {Columns} FROM insurance_transfer t JOIN insured_person p USING (person_id) WHERE p.id_number = $1 ORDER BY t.recorded_at", person.Value);
            var transfers = await ReadAsync(read, token);
            return transfers;
        }, ct);
    }

    private const string Columns =
        "t.transfer_id, t.direction, t.person_id, coalesce(p.id_number, ''), t.other_region, t.effective_on, t.months, t.months_already_here, t.recorded_by, t.recorded_at, t.fingerprint, t.certified_months::text";

    private static string TransferId(Validator v, string? text) =>
        v.ForeignId("transfer_id", text, 40, "the transfer form's number (转移接续联系函编号)");

    private TransferRecord Same((TransferRecord Transfer, string Fingerprint) earlier, string fingerprint, string id) =>
        earlier.Fingerprint == fingerprint ? earlier.Transfer
            : throw new AlreadyExistsException("insurance transfer", id, "recorded before with other content; a correction is a transfer form of its own");

    private async Task<(TransferRecord Transfer, string Fingerprint)?> FindAsync(BuildingBlocks.Messaging.OutboxTransaction tx, string id, CancellationToken ct)
    {
        TransferRecord transfer;
        string fingerprint;
        await using (var read = tx.Command($"SELECT {Columns} FROM insurance_transfer t JOIN insured_person p USING (person_id) WHERE t.transfer_id = $1", id))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            (transfer, fingerprint) = (Read(reader), reader.GetString(10));
        }
        return (transfer, fingerprint);
    }

    private static async Task<IReadOnlyList<TransferRecord>> ReadAsync(Npgsql.NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<TransferRecord>();
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return list;
    }

    private static TransferRecord Read(Npgsql.NpgsqlDataReader r) =>
        new(r.GetString(0), Enum.Parse<TransferWay>(r.GetString(1)), r.GetGuid(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateOnly>(5),
            r.GetInt32(6), r.GetInt32(7), ReadMonths(r.GetString(11)), r.GetString(8), r.GetFieldValue<DateTimeOffset>(9));

    /// <summary>The certificate as issued, kept with the transfer: reading it later gives the same months.</summary>
    private static IReadOnlyList<ContributionMonth> ReadMonths(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<List<CertifiedMonth>>(json)!
            .Select(m => new ContributionMonth(DateOnly.ParseExact(m.Month, "yyyy-MM-dd", CultureInfo.InvariantCulture), m.PaidInFullOnTime, m.BackPayment, m.PaidIn))
            .ToList();

    private sealed record CertifiedMonth(string Month, bool PaidInFullOnTime, bool BackPayment, string? PaidIn);

    private static string MonthsJson(IEnumerable<ContributionMonth> months) => System.Text.Json.JsonSerializer.Serialize(
        months.Select(m => new CertifiedMonth(m.Month.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), m.PaidInFullOnTime, m.BackPayment, m.TransferredFrom)));

    private static async Task InsertAsync(BuildingBlocks.Messaging.OutboxTransaction tx, TransferRecord t, string fingerprint, CancellationToken ct)
    {
        await using var insert = tx.Command(
            """
            INSERT INTO insurance_transfer (transfer_id, direction, person_id, other_region, effective_on, months, months_already_here, fingerprint,
                                            recorded_by, recorded_at, certified_months)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
            """, t.TransferId, t.Direction.ToString(), t.PersonId, t.OtherRegion, t.EffectiveOn, t.Months, t.MonthsAlreadyHere, fingerprint, t.RecordedBy, t.RecordedAt,
            MonthsJson(t.CertifiedMonths));
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Every month on the person's record up to the last day, paid here or brought in by an earlier transfer (缴费年限累计:
    /// the next region counts them all), each naming where it was paid: what a transfer out certifies.
    /// </summary>
    private static async Task<IReadOnlyList<ContributionMonth>> MonthsOnRecordAsync(BuildingBlocks.Messaging.OutboxTransaction tx, Guid personId,
        DateOnly lastDay, CancellationToken ct)
    {
        await using var read = tx.Command(
            "SELECT month, paid_in_full_on_time, back_payment, transferred_from FROM contribution WHERE person_id = $1 AND month <= $2 ORDER BY month",
            personId, lastDay);
        await using var reader = await read.ExecuteReaderAsync(ct);
        var months = new List<ContributionMonth>();
        while (await reader.ReadAsync(ct))
            months.Add(new ContributionMonth(reader.GetFieldValue<DateOnly>(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        return months;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Insurance transfer {TransferId} {Direction}: {Person}, other region {Region}, {Months} month(s)")]
    private partial void LogTransfer(string transferId, string direction, string person, string region, int months);
}
