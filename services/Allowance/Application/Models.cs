using MaternityCloud.Allowance.Domain;
using MaternityCloud.Allowance.Infrastructure;

namespace MaternityCloud.Allowance.Application;

/// <summary>Enrollment's answer for the allowance on the event date, with the employer the person works for then.</summary>
public sealed record AllowanceEligibility(bool Eligible, IReadOnlyList<(string Code, string Message)> Reasons, string PolicyVersion, string? EmployerCreditCode);

public sealed record EmployerAccount(string AccountName, string BankName, string AccountNumber);

public interface IEnrollmentFacts
{
    Task<AllowanceEligibility> CheckAllowanceAsync(string idNumber, DateOnly eventDate, string region, CancellationToken ct);

    /// <summary>The employer's average monthly wage of a year, or null when Enrollment has none.</summary>
    Task<decimal?> AverageMonthlyWageAsync(string employerCreditCode, int year, CancellationToken ct);

    Task<EmployerAccount?> CorporateAccountAsync(string employerCreditCode, CancellationToken ct);
}

/// <summary>A report of an event from any channel: the settlement itself, the hospital's joint form, a grassroots point.</summary>
public sealed record EventReport(string IdNumber, string Region, BirthEvent Event, Channel Channel, string Reference, Guid? SettlementId);

/// <summary>A case with every report of its event.</summary>
public sealed record CaseView(AllowanceCase Case, IReadOnlyList<CaseReport> Reports);
