using MaternityCloud.Allowance.Domain;
using MaternityCloud.Allowance.Infrastructure;

namespace MaternityCloud.Allowance.Application;

/// <summary>
/// Enrollment's answer for the allowance on the event date: eligible or every reason not, under the rules of
/// <see cref="Region"/> (the person's pooling region from the insurance record; empty when not insured), with the
/// employer the person works for then.
/// </summary>
public sealed record AllowanceEligibility(
    bool Eligible, IReadOnlyList<(string Code, string Message)> Reasons, string PolicyVersion, string? EmployerCreditCode, string Region);

public sealed record EmployerAccount(string AccountName, string BankName, string AccountNumber);

public interface IEnrollmentFacts
{
    Task<AllowanceEligibility> CheckAllowanceAsync(string idNumber, DateOnly eventDate, CancellationToken ct);

    /// <summary>The employer's average monthly wage of a year, or null when Enrollment has none.</summary>
    Task<decimal?> AverageMonthlyWageAsync(string employerCreditCode, int year, CancellationToken ct);

    Task<EmployerAccount?> CorporateAccountAsync(string employerCreditCode, CancellationToken ct);
}

/// <summary>
/// A report of an event from any channel: the settlement itself (免申办), the hospital's joint form, a grassroots point.
/// <see cref="Applicant"/> is who reported it (the settling institution, or the applicant's credential), and the report
/// is known by (channel, applicant, reference): one applicant's reference never finds another's report.
/// </summary>
public sealed record EventReport(string IdNumber, BirthEvent Event, Channel Channel, string Applicant, string Reference);

/// <summary>A case with every report of its event.</summary>
public sealed record CaseView(AllowanceCase Case, IReadOnlyList<CaseReport> Reports);
