using System.Globalization;
using Google.Rpc;
using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Tests.Infrastructure;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// 医保关系转移接续 through the public methods: months paid in another region come in with their transfer form and count
/// for eligibility here, a month already paid here stays, the form is recorded once, and a transfer out ends the insurance
/// here and certifies only the months paid here; the history lists both.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class InsuranceTransferTests(TestServers servers) : IAsyncLifetime
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);
    private ServiceHost<EnrollmentGrpcService> _host = null!;
    private EnrollmentClient _enrollment = null!;
    private Isolation _isolation = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("transfers", "enrollmentdb");
        _host = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _enrollment = new EnrollmentClient(_host.Channel());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Month(int monthsAgo) => new DateOnly(Today.Year, Today.Month, 1).AddMonths(-monthsAgo).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static TransferInRequest Form(string transferId, string idNumber, int from, int to)
    {
        var form = new TransferInRequest { TransferId = transferId, IdNumber = idNumber, FromRegion = "420281" };
        form.Months.AddRange(Enumerable.Range(from, to - from + 1).Select(i => new TransferredMonth { Month = Month(i), PaidInFullOnTime = true }));
        return form;
    }

    [Fact]
    public async Task Months_from_another_region_count_here_once_and_a_transfer_out_certifies_the_months_paid_here()
    {
        var employer = await _enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(), Name = "温州市示例机械有限公司",
            CorporateAccount = new BankAccount { BankName = "中国银行温州分行", AccountNumber = "35680123456789", AccountName = "温州市示例机械有限公司" },
        });
        var person = await _enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = "330300", IdNumber = TestData.IdNumber(), Name = "刘芳", Kind = InsuredKind.Employee, EmployerCreditCode = employer.CreditCode,
            InsuredFrom = new DateOnly(Today.Year, Today.Month, 1).AddMonths(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        await _enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person.IdNumber, 3, Today));
        Task<EligibilityDecision> Check() => _enrollment.CheckEligibilityAsync(new CheckEligibilityRequest
        {
            IdNumber = person.IdNumber, Benefit = Benefit.Allowance, EventDate = Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }).ResponseAsync;
        Assert.Equal(["contributions-short"], (await Check()).Reasons.Select(r => r.Code)); // 3 months here, Wenzhou wants 10 in a row

        // Daye's form lists months 3 to 14 ago; month 3 was already paid here and stays so.
        var form = Form("ZY-420281-2026-0001", person.IdNumber, 3, 14);
        var transferred = await _enrollment.TransferInAsync(form);
        Assert.Equal((TransferDirection.In, 11, 1, "420281"), (transferred.Direction, transferred.Months, transferred.MonthsAlreadyHere, transferred.OtherRegion));
        Assert.True((await Check()).Eligible); // the answer cached before the transfer is not served
        Assert.Equal(transferred.RecordedAt, (await _enrollment.TransferInAsync(form)).RecordedAt);
        var changed = Form("ZY-420281-2026-0001", person.IdNumber, 3, 15);
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => _enrollment.TransferInAsync(changed).ResponseAsync)).StatusCode);
        Assert.Equal(11L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM contribution WHERE transferred_from = '420281'"));
        // A month the form brought in that the employer's feed then reports as paid here becomes this region's.
        await _enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person.IdNumber, 1, Today, skipFirst: 4));
        Assert.Equal(10L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM contribution WHERE transferred_from = '420281'"));

        var bad = Form("ZY-bad", person.IdNumber, 1, 2);
        (bad.FromRegion, bad.Months[1].Month) = ("330300", "2026-13");
        var refused = await Assert.ThrowsAsync<RpcException>(() => _enrollment.TransferInAsync(bad).ResponseAsync);
        Assert.Equal(["months[1].month"], refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(f => f.Field));

        // Out to Daye: insurance here ends, and every month on record is certified, each naming where it was paid.
        var lastDay = Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var outbound = await _enrollment.TransferOutAsync(new TransferOutRequest { TransferId = "ZC-330300-2026-0009", PersonId = person.PersonId, ToRegion = "420281", LastDay = lastDay });
        Assert.Equal(Enumerable.Range(1, 14).Reverse().Select(Month), outbound.CertifiedMonths.Select(m => m.Month));
        Assert.Equal(10, outbound.CertifiedMonths.Count(m => m.PaidIn == "420281"));
        var ended = await _enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { PersonId = person.PersonId });
        Assert.Equal(lastDay, ended.History[^1].ValidTo);

        var history = (await _enrollment.ListTransfersAsync(new ListTransfersRequest { IdNumber = person.IdNumber })).Transfers;
        Assert.Equal([TransferDirection.In, TransferDirection.Out], history.Select(t => t.Direction));
        Assert.Equal(outbound.CertifiedMonths, history[1].CertifiedMonths); // as issued
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => _enrollment.TransferInAsync(Form("ZC-330300-2026-0009", person.IdNumber, 20, 21)).ResponseAsync)).StatusCode);
    }
}
