using System.Globalization;
using MaternityCloud.Contracts.Enrollment.V1;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>Calls several Enrollment tests make the same way.</summary>
public static class EnrollmentCalls
{
    /// <summary>Streams contribution records and returns what the service stored and refused (within the deadline, if one is given).</summary>
    public static async Task<ContributionImportResult> RecordContributionsAsync(this EnrollmentClient client, IEnumerable<ContributionRecord> records,
        DateTime? deadline = null)
    {
        using var call = client.RecordContributions(deadline: deadline);
        foreach (var r in records) await call.RequestStream.WriteAsync(r);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>
    /// Months paid in full and on time: the <paramref name="count"/> months before <paramref name="before"/>'s month,
    /// after skipping the <paramref name="skipFirst"/> nearest ones.
    /// </summary>
    public static IEnumerable<ContributionRecord> PaidMonths(string idNumber, int count, DateOnly before, int skipFirst = 0, string employer = "")
    {
        var month = new DateOnly(before.Year, before.Month, 1);
        return Enumerable.Range(1 + skipFirst, count).Select(i => new ContributionRecord
        {
            IdNumber = idNumber, Month = month.AddMonths(-i).ToString("yyyy-MM", CultureInfo.InvariantCulture),
            EmployerCreditCode = employer, PaidInFullOnTime = true, Amount = "812.40",
        });
    }
}
