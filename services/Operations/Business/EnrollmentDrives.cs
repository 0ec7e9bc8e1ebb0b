using System.Globalization;
using System.Text;
using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Operations.Business;

/// <summary>
/// The enrolment drive (参保扩面) for operators: the follow-up list of newborns with a birth record and no enrolment, by
/// region and street, as JSON for the page or CSV for a spreadsheet, and the guardians' reminder sent again. Every call
/// carries the operator's own credential: Enrollment decides and audits their access.
/// </summary>
public sealed class EnrollmentDrives(EnrollmentClient enrollment)
{
    public async Task<IReadOnlyList<UnenrolledNewborn>> ListAsync(string credential, string region, string? street, int days, CancellationToken ct) =>
        (await enrollment.ListUnenrolledNewbornsAsync(new ListUnenrolledNewbornsRequest { Region = region, Street = street ?? "", DaysSinceBirth = days },
            As(credential), cancellationToken: ct)).Newborns;

    public async Task<EnrollmentDrive> RemindAsync(string credential, string region, string? street, int days, CancellationToken ct) =>
        await enrollment.RemindUnenrolledGuardiansAsync(new RemindUnenrolledGuardiansRequest { Region = region, Street = street ?? "", DaysSinceBirth = days },
            As(credential), cancellationToken: ct);

    /// <summary>UTF-8 with a byte-order mark (spreadsheets then read the Chinese names), one newborn per row, masked as listed.</summary>
    public static byte[] Csv(IEnumerable<UnenrolledNewborn> newborns)
    {
        var csv = new StringBuilder("street,birth_certificate_number,newborn_name,birth_date,days_since_birth,enrol_before,window_passed,guardian_name,guardian_mobile_phone,drive_reminders\r\n");
        foreach (var n in newborns)
            csv.AppendJoin(',', new[]
            {
                n.Street, n.BirthCertificateNumber, n.NewbornName, n.BirthDate, n.DaysSinceBirth.ToString(CultureInfo.InvariantCulture), n.EnrolBefore,
                n.WindowPassed ? "yes" : "no", n.GuardianName, n.GuardianMobilePhone, n.DriveReminders.ToString(CultureInfo.InvariantCulture),
            }.Select(Field)).Append("\r\n");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }

    /// <summary>RFC 4180 quoting; a leading =, +, - or @ is quoted as text so a spreadsheet never runs it as a formula.</summary>
    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n', '\'']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static Metadata As(string credential) => new() { { "authorization", "Bearer " + credential } };
}
