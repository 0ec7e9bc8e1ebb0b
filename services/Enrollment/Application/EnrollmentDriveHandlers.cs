using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

/// <summary>A newborn the health commission recorded who is not enrolled yet, for the operators' follow-up list.</summary>
public sealed record UnenrolledNewborn(BirthRecord Birth, string Street, int DaysSinceBirth, DateOnly EnrolBefore, int DriveReminders)
{
    /// <summary>Enrolled now, the newborn is covered only from the region's late-enrolment date: the window is behind it.</summary>
    public bool WindowPassed => DaysSinceBirth > EnrolBefore.DayNumber - Birth.BirthDate.DayNumber;
}

public sealed record DriveResult(string Round, int Reminded, bool Repeated);

/// <summary>
/// Enrolment drives (参保扩面): the newborns with a birth record and no enrolment some days after birth, by region and
/// street, for operators to follow up; and the guardians' reminder sent again, once per drive and day however often an
/// operator presses the button.
/// </summary>
public sealed partial class EnrollmentDriveHandlers(
    EnrollmentChanges changes, RegionPolicyCatalog policies, TimeProvider clock, ILogger<EnrollmentDriveHandlers> logger)
{
    private const int MaxListed = 5000;

    public async Task<IReadOnlyList<UnenrolledNewborn>> ListAsync(string region, string street, int daysSinceBirth, CancellationToken ct)
    {
        var (checkedRegion, checkedStreet, days) = Check(region, street, daysSinceBirth);
        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            tx.About($"unenrolled newborns of {checkedRegion}{(checkedStreet.Length > 0 ? " " + checkedStreet : "")}");
            return await ReadAsync(tx, checkedRegion, checkedStreet, days, token);
        }, ct);
    }

    public async Task<DriveResult> RemindAsync(string region, string street, int daysSinceBirth, Caller caller, CancellationToken ct)
    {
        var (checkedRegion, checkedStreet, days) = Check(region, street, daysSinceBirth);
        var today = clock.GetLocalToday();
        var round = $"drive-{checkedRegion}-{(checkedStreet.Length > 0 ? checkedStreet : "*")}-{days}-{today:yyyyMMdd}";
        return await changes.Database.InTransactionAsync(async (tx, token) =>
        {
            tx.About($"enrolment drive {round}");
            await tx.LockAsync("drive:" + round, token);
            await using (var known = tx.Command("SELECT reminded FROM enrollment_drive WHERE round = $1", round))
            {
                if (await known.ExecuteScalarAsync(token) is int reminded) return new DriveResult(round, reminded, true);
            }
            var newborns = await ReadAsync(tx, checkedRegion, checkedStreet, days, token);
            foreach (var n in newborns)
            {
                var b = n.Birth;
                tx.Publish(new GuardianReminderDue(Guid.CreateVersion7(), clock.GetUtcNow(), b.CertificateNumber, b.NewbornName, b.BirthDate,
                    b.GuardianIdNumber.Value, b.GuardianName, b.GuardianMobilePhone, b.Region, n.EnrolBefore, round));
            }
            await using (var record = tx.Command(
                """
                INSERT INTO enrollment_drive (round, region, street, days_since_birth, reminded, started_by, started_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, round, checkedRegion, checkedStreet, days, newborns.Count, caller.Id, clock.GetUtcNowForDatabase()))
                await record.ExecuteNonQueryAsync(token);
            LogDrive(round, newborns.Count);
            return new DriveResult(round, newborns.Count, false);
        }, ct);
    }

    private (string Region, string Street, int Days) Check(string region, string street, int daysSinceBirth)
    {
        var v = new Validator();
        var r = (region ?? "").Trim();
        v.Region(policies, "region", r, date: null);
        var s = (street ?? "").Trim();
        v.Check(s.Length <= 60, "street", "must be at most 60 characters");
        v.Check(daysSinceBirth is >= 0 and <= 3660, "days_since_birth", "must be from 0 to 3660");
        v.ThrowIfInvalid();
        return (r, s, daysSinceBirth);
    }

    private async Task<List<UnenrolledNewborn>> ReadAsync(BuildingBlocks.Messaging.OutboxTransaction tx, string region, string street, int days,
        CancellationToken ct)
    {
        var today = clock.GetLocalToday();
        await using var query = tx.Command(
            $"""
            SELECT b.certificate_number, b.birth_date, b.newborn_name, b.mother_id_number, b.guardian_id_number, b.guardian_name,
                   b.guardian_mobile_phone, b.region, b.street,
                   (SELECT count(*)::int FROM enrollment_drive d WHERE d.region = b.region AND (d.street = '' OR d.street = b.street)
                      AND d.started_at::date >= b.birth_date)
            FROM birth_record b
            WHERE b.region = $1 AND ($2 = '' OR b.street = $2) AND b.birth_date <= $3
              AND NOT EXISTS (SELECT 1 FROM insured_person p WHERE p.birth_certificate_number = b.certificate_number)
            ORDER BY b.street, b.birth_date, b.certificate_number
            LIMIT {MaxListed}
            """, region, street, today.AddDays(-days));
        await using var reader = await query.ExecuteReaderAsync(ct);
        var list = new List<UnenrolledNewborn>();
        while (await reader.ReadAsync(ct))
        {
            var birth = new BirthRecord(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetString(2),
                EnrollmentRepository.ParseId(reader.GetString(3)), EnrollmentRepository.ParseId(reader.GetString(4)), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7));
            var window = policies.InForce(birth.Region, birth.BirthDate).Eligibility.NewbornWaitingPeriod.EnrolWithinDays;
            list.Add(new UnenrolledNewborn(birth, reader.GetString(8), today.DayNumber - birth.BirthDate.DayNumber, birth.BirthDate.AddDays(window),
                reader.GetInt32(9)));
        }
        return list;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Enrolment drive {Round}: {Reminded} guardian(s) reminded again")]
    private partial void LogDrive(string round, int reminded);
}
