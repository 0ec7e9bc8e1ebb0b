using System.Text;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Operations.Business;

namespace MaternityCloud.Tests.Unit;

/// <summary>The drive's CSV: a spreadsheet reads the Chinese names, quoted fields survive, and nothing runs as a formula.</summary>
public sealed class EnrollmentDriveCsvTests
{
    [Fact]
    public void Rows_are_quoted_as_RFC_4180_with_a_byte_order_mark_and_formulas_are_neutralised()
    {
        var csv = EnrollmentDrives.Csv([
            new UnenrolledNewborn
            {
                Street = "五马街道", BirthCertificateNumber = "Q33****567", NewbornName = "王小满", BirthDate = "2026-10-01", DaysSinceBirth = 59,
                EnrolBefore = "2026-12-30", GuardianName = "王\"强\", 父", GuardianMobilePhone = "139****5678", DriveReminders = 1,
            },
            new UnenrolledNewborn { Street = "=HYPERLINK(\"x\")", NewbornName = "+1", BirthDate = "2026-09-01", EnrolBefore = "2026-11-30", WindowPassed = true },
        ]);

        Assert.Equal(Encoding.UTF8.GetPreamble(), csv[..3]);
        var lines = Encoding.UTF8.GetString(csv[3..]).Split("\r\n");
        Assert.Equal("street,birth_certificate_number,newborn_name,birth_date,days_since_birth,enrol_before,window_passed,guardian_name,guardian_mobile_phone,drive_reminders", lines[0]);
        Assert.Equal("五马街道,Q33****567,王小满,2026-10-01,59,2026-12-30,no,\"王\"\"强\"\", 父\",139****5678,1", lines[1]);
        Assert.Equal("\"'=HYPERLINK(\"\"x\"\")\",,\"'+1\",2026-09-01,0,2026-11-30,yes,,,0", lines[2]);
        Assert.Equal("", lines[3]);
    }
}
