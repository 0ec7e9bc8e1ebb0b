using System.Globalization;
using Grpc.Core;
using MaternityCloud.Allowance.Application;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.ServiceDefaults.Grpc;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Allowance.Infrastructure;

/// <summary>
/// What Enrollment knows that an allowance needs: eligibility on the event date, the employer's average monthly wage of
/// a year, and its corporate account. Reached by discovery (services__enrollment__grpc__0).
/// </summary>
public sealed class EnrollmentFacts(EnrollmentClient client) : IEnrollmentFacts
{
    public async Task<AllowanceEligibility> CheckAllowanceAsync(string idNumber, DateOnly eventDate, CancellationToken ct)
    {
        var d = await PlatformCalls.RunAsync("enrollment (eligibility)", () => client.CheckEligibilityAsync(new CheckEligibilityRequest
        {
            IdNumber = idNumber, Benefit = Benefit.Allowance, EventDate = eventDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }, deadline: PlatformCalls.Deadline(), cancellationToken: ct).ResponseAsync);
        return new AllowanceEligibility(d.Eligible, d.Reasons.Select(r => (r.Code, r.Message)).ToList(), d.PolicyVersion,
            d.EmployerCreditCode.Length == 0 ? null : d.EmployerCreditCode, d.Region);
    }

    public Task<decimal?> AverageMonthlyWageAsync(string employerCreditCode, int year, CancellationToken ct) =>
        OrNotFound(async () => (decimal?)decimal.Parse((await client.GetEmployerWageAsync(
            new GetEmployerWageRequest { CreditCode = employerCreditCode, Year = year }, deadline: PlatformCalls.Deadline(), cancellationToken: ct))
            .AverageMonthlyWage, CultureInfo.InvariantCulture));

    public Task<EmployerAccount?> CorporateAccountAsync(string employerCreditCode, CancellationToken ct) =>
        OrNotFound(async () =>
        {
            var employer = await client.GetEmployerAsync(new GetEmployerRequest { CreditCode = employerCreditCode }, deadline: PlatformCalls.Deadline(), cancellationToken: ct);
            var account = employer.CorporateAccount;
            return account is null || account.AccountNumber.Length == 0 ? null
                : new EmployerAccount(account.AccountName, account.BankName, account.AccountNumber);
        });

    /// <summary>A fact Enrollment does not have is null (the case names it); an outage is Unavailable.</summary>
    private static Task<T?> OrNotFound<T>(Func<Task<T?>> call) =>
        PlatformCalls.RunAsync("enrollment", async () =>
        {
            try { return await call(); }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { return default; }
        });
}
