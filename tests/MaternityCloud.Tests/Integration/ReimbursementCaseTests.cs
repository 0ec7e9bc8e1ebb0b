using Grpc.Core;
using MaternityCloud.Contracts.Claims.V1;
using InsuredKind = MaternityCloud.Contracts.Enrollment.V1.InsuredKind;
using RegisterInsuredPersonRequest = MaternityCloud.Contracts.Enrollment.V1.RegisterInsuredPersonRequest;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Claims.Grpc;
using MaternityCloud.Enrollment.Grpc;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using MaternityCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Manual reimbursement cases on the real servers, with the clock stopped on Monday 28 September 2026 so the time limit
/// runs across the National Day holiday.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ReimbursementCaseTests(TestServers servers) : IAsyncLifetime
{
    private static readonly CaseOperator PointClerk = new() { OperatorId = "lc-clerk-01", Role = OperatorRole.GrassrootsClerk, Site = "330302-wuma" };
    private static readonly CaseOperator OtherClerk = new() { OperatorId = "ou-clerk-05", Role = OperatorRole.GrassrootsClerk, Site = "330304-xinqiao" };
    private static readonly CaseOperator Auditor = new() { OperatorId = "fund-auditor-02", Role = OperatorRole.FundAuditor, Site = "330300-centre" };
    private static readonly string[] ChildbirthDocuments = ["身份证或社保卡复印件", "出院小结（记录）", "住院费用发票", "费用明细清单"];
    private Isolation _isolation = null!;
    private ServiceHost<EnrollmentGrpcService> _enrollmentHost = null!;
    private ServiceHost<ClaimsGrpcService> _host = null!;
    private ClaimsClient _claims = null!;
    private string _person = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("cases", "enrollmentdb", "claimsdb");
        _enrollmentHost = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _host = new ServiceHost<ClaimsGrpcService>(_isolation, new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost" },
            services =>
            {
                ServiceHost<ClaimsGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(_enrollmentHost)(services);
                services.AddSingleton<TimeProvider>(new FixedClock(new DateTimeOffset(2026, 9, 28, 2, 0, 0, TimeSpan.Zero)));
            });
        _claims = new ClaimsClient(_host.Channel());
        // The applicant is insured in Wenzhou: a case is judged by the person's region from the insurance record.
        var enrollment = new EnrollmentClient(_enrollmentHost.Channel());
        _person = (await enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = "330300", IdNumber = TestData.IdNumber(), Name = "陈丽娟", Kind = InsuredKind.Resident, InsuredFrom = "2023-01-01",
        })).IdNumber;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _enrollmentHost.DisposeAsync();
    }

    private FileCaseRequest Filing(params string[] documents)
    {
        var request = new FileCaseRequest
        {
            Operator = PointClerk, RequestId = "WM-" + Guid.NewGuid().ToString("N")[..10], IdNumber = _person, Region = "330300",
            Item = CaseItem.Childbirth, ServiceDate = "2026-09-10", ClaimedAmount = "4280.50", ApplicantPhone = TestData.MobilePhone(),
        };
        request.Documents.AddRange(documents.Length == 0 ? ChildbirthDocuments : documents);
        return request;
    }

    private CaseActionRequest Action(CaseOperator who, string caseId, string note = "") => new() { Operator = who, CaseId = caseId, Note = note };

    [Fact]
    public async Task A_case_runs_the_whole_flow_against_a_time_limit_counted_in_working_days_across_the_national_day_holiday()
    {
        var filed = await _claims.FileCaseAsync(Filing());
        await _claims.AcceptCaseAsync(Action(PointClerk, filed.CaseId));
        await _claims.TransferCaseAsync(Action(PointClerk, filed.CaseId));
        await _claims.ReviewCaseAsync(new ReviewCaseRequest { Operator = Auditor, CaseId = filed.CaseId, Approve = true, ApprovedAmount = "4100.00", Reason = "扣除自费项目180.50元" });
        await _claims.PayCaseAsync(new PayCaseRequest { Operator = Auditor, CaseId = filed.CaseId, PaymentReference = "ZF20261009-0017" });
        var closed = await _claims.CloseCaseAsync(Action(Auditor, filed.CaseId));

        // 20 working days from Monday 28 September: 1-7 October are holidays and Saturday 10 October is worked.
        Assert.Equal(("2026-10-30", false), (filed.DueDate, filed.DueDateProvisional));
        Assert.Equal(20, filed.WorkingDaysLeft);
        Assert.Equal(CaseState.Closed, closed.State);
        Assert.Equal(("4100.00", "ZF20261009-0017"), (closed.ApprovedAmount, closed.PaymentReference));
        Assert.Equal(
            [(CaseState.Unspecified, CaseState.Applied), (CaseState.Applied, CaseState.Accepted), (CaseState.Accepted, CaseState.Transferred),
             (CaseState.Transferred, CaseState.Approved), (CaseState.Approved, CaseState.Paid), (CaseState.Paid, CaseState.Closed)],
            closed.Transitions.Select(t => (t.From, t.To)));
        Assert.Equal(["lc-clerk-01", "lc-clerk-01", "lc-clerk-01", "fund-auditor-02", "fund-auditor-02", "fund-auditor-02"],
            closed.Transitions.Select(t => t.OperatorId));
        Assert.Equal("扣除自费项目180.50元", closed.Transitions[3].Reason);
        Assert.Equal(6L, await _isolation.CountAsync("claimsdb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE $1", "%." + nameof(ReimbursementCaseChanged)));
    }

    [Fact]
    public async Task A_clerk_sees_and_moves_only_their_own_site_s_cases_and_only_the_fund_centre_reviews()
    {
        var ours = await _claims.FileCaseAsync(Filing());
        var theirs = Filing();
        theirs.Operator = OtherClerk;
        await _claims.FileCaseAsync(theirs);

        var otherSiteGet = await Assert.ThrowsAsync<RpcException>(() => _claims.GetCaseAsync(new GetCaseRequest { Operator = OtherClerk, CaseId = ours.CaseId }).ResponseAsync);
        var otherSiteAccept = await Assert.ThrowsAsync<RpcException>(() => _claims.AcceptCaseAsync(Action(OtherClerk, ours.CaseId)).ResponseAsync);
        await _claims.AcceptCaseAsync(Action(PointClerk, ours.CaseId));
        await _claims.TransferCaseAsync(Action(PointClerk, ours.CaseId));
        var clerkApproves = await Assert.ThrowsAsync<RpcException>(() => _claims.ReviewCaseAsync(new ReviewCaseRequest
        {
            Operator = PointClerk, CaseId = ours.CaseId, Approve = true, ApprovedAmount = "100.00",
        }).ResponseAsync);
        var clerkList = await _claims.ListCasesAsync(new ListCasesRequest { Operator = PointClerk });
        var auditorList = await _claims.ListCasesAsync(new ListCasesRequest { Operator = Auditor });

        Assert.Equal(StatusCode.PermissionDenied, otherSiteGet.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, otherSiteAccept.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, clerkApproves.StatusCode);
        Assert.Equal([ours.CaseId], clerkList.Cases.Select(c => c.CaseId));
        Assert.Equal(2, auditorList.Cases.Count);
        Assert.Equal(CaseState.Transferred, (await _claims.GetCaseAsync(new GetCaseRequest { Operator = Auditor, CaseId = ours.CaseId })).State);
    }

    [Fact]
    public async Task Incomplete_documents_block_acceptance_and_a_rejection_carries_its_reason_back_through_the_site()
    {
        var filed = await _claims.FileCaseAsync(Filing("身份证或社保卡复印件", "住院费用发票"));
        var incomplete = await Assert.ThrowsAsync<RpcException>(() => _claims.AcceptCaseAsync(Action(PointClerk, filed.CaseId)).ResponseAsync);
        var noReason = await Assert.ThrowsAsync<RpcException>(() => _claims.ReviewCaseAsync(new ReviewCaseRequest { Operator = PointClerk, CaseId = filed.CaseId }).ResponseAsync);
        var rejected = await _claims.ReviewCaseAsync(new ReviewCaseRequest { Operator = PointClerk, CaseId = filed.CaseId, Reason = "缺少出院小结和费用明细清单, 请补齐后重新申请" });
        var afterRejection = await Assert.ThrowsAsync<RpcException>(() => _claims.AcceptCaseAsync(Action(PointClerk, filed.CaseId)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, incomplete.StatusCode);
        Assert.Contains("出院小结（记录）", incomplete.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        Assert.Equal((CaseState.Rejected, "缺少出院小结和费用明细清单, 请补齐后重新申请"), (rejected.State, rejected.RejectionReason));
        Assert.Equal(StatusCode.FailedPrecondition, afterRejection.StatusCode);
        var body = (string)(await _isolation.SqlAsync("claimsdb",
            "SELECT body::text FROM outbox_message WHERE body->>'to' = 'Rejected' AND body->>'caseId' = $1", filed.CaseId))!;
        Assert.Contains("缺少出院小结", body);
        Assert.Contains("330302-wuma", body); // the site that took it in tells the applicant
    }

    [Fact]
    public async Task Filing_the_same_request_twice_gives_one_case_and_bad_filings_name_their_fields()
    {
        var request = Filing();
        var first = await _claims.FileCaseAsync(request);
        var again = await _claims.FileCaseAsync(request);
        var bad = Filing();
        bad.ClaimedAmount = "12.345";
        bad.Item = CaseItem.Unspecified;
        bad.ServiceDate = "2026-10-01";

        var refused = await Assert.ThrowsAsync<RpcException>(() => _claims.FileCaseAsync(bad).ResponseAsync);

        Assert.Equal(first.CaseId, again.CaseId);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        foreach (var field in new[] { "claimed_amount", "item", "service_date" }) Assert.Contains(field, refused.Status.Detail);
        Assert.Equal(1L, await _isolation.CountAsync("claimsdb", "SELECT count(*) FROM reimbursement_case"));
    }
}
