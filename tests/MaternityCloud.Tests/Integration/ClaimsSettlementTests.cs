using Google.Rpc;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Tests.Infrastructure;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>Direct settlement on the real servers, with Enrollment and Prenatal answering Claims' calls.</summary>
[Collection(ServersCollection.Name)]
public sealed class ClaimsSettlementTests(TestServers servers) : IAsyncLifetime
{
    private const string UrineRoutine = "250102001";
    private const string PrenatalVisit = "311202001";
    private const string Caesarean = "331505003";
    private const string Bed = "110900001";
    private ClaimsPlatform _platform = null!;

    public async Task InitializeAsync() => _platform = await StartAsync(servers, "claims");

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private Contracts.Claims.V1.Claims.ClaimsClient Claims => _platform.Claims;

    private Task<long> CountAsync(string sql, params object[] parameters) => _platform.Isolation.CountAsync("claimsdb", sql, parameters);

    private Task<long> OutboxAsync(string eventName) => CountAsync("SELECT count(*) FROM outbox_message WHERE message_type LIKE $1", "%." + eventName);

    private async Task<decimal> QuotaUsedAsync(string registrationId) =>
        (decimal)(await _platform.Isolation.SqlAsync("claimsdb",
            "SELECT q.used FROM pregnancy_quota q JOIN quota_registration r USING (pregnancy_id) WHERE r.registration_id = $1", Guid.Parse(registrationId)))!;

    [Fact]
    public async Task A_prenatal_check_registers_the_pregnancy_by_itself_and_the_cap_is_crossed_across_visits()
    {
        var person = await _platform.EligibleEmployeeAsync();

        var first = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "1800.00"), (UrineRoutine, "200.00")));
        var second = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "1500.00")));

        Assert.Equal(("2000.00", "0.00"), (first.FundAmount, first.TransferredAmount));
        Assert.Equal(("1000.00", "500.00"), (second.FundAmount, second.TransferredAmount));
        Assert.Equal("prenatal-cap", Assert.Single(second.Lines).Rule);
        Assert.Equal(Pool.GeneralOutpatient, second.Lines[0].TransferredTo);
        Assert.Equal(("3000.00", "2000.00", "3000.00"), (second.PrenatalQuotaCap, second.PrenatalQuotaUsedBefore, second.PrenatalQuotaUsedAfter));
        Assert.Equal(first.RegistrationId, second.RegistrationId);
        Assert.StartsWith("330300@2024-01-01#", first.PolicyVersion);
        Assert.Equal(3000.00m, await QuotaUsedAsync(first.RegistrationId));

        var registration = await _platform.Prenatal.GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = first.RegistrationId });
        Assert.True(registration.Automatic);
        Assert.Equal(2L, await OutboxAsync(nameof(SettlementCompleted)));
    }

    [Fact]
    public async Task Concurrent_settlements_against_one_pregnancy_never_exceed_the_cap_together()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var opening = await Claims.SettleAsync(PrenatalCheck(person, (UrineRoutine, "10.00")));

        var settled = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "400.00"))).ResponseAsync));

        var funds = settled.Select(s => decimal.Parse(s.FundAmount, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2990.00m, funds.Sum());                  // exactly the cap left after the opening 10.00
        Assert.Equal(7, funds.Count(f => f == 400.00m));       // seven fit whole, one takes the 190.00 left, four get nothing
        Assert.Equal(1, funds.Count(f => f == 190.00m));
        Assert.Equal(3000.00m, await QuotaUsedAsync(opening.RegistrationId));
        Assert.Equal(3000.00m, (decimal)(await _platform.Isolation.SqlAsync("claimsdb",
            "SELECT sum(fund_amount) FROM settlement WHERE registration_id = $1", Guid.Parse(opening.RegistrationId)))!);
    }

    [Fact]
    public async Task A_reversal_gives_the_quota_back_once_however_often_it_is_repeated()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var settled = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "2600.00")));
        var reverse = new ReverseRequest { InstitutionCode = settled.InstitutionCode, SettlementId = settled.SettlementId, Reason = "收费项目录入错误" };

        var reversed = await Claims.ReverseAsync(reverse);
        var again = await Claims.ReverseAsync(reverse);
        var refill = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "3000.00")));

        Assert.Equal(SettlementState.Reversed, reversed.State);
        Assert.Equal(reversed.ReversedAt, again.ReversedAt);
        Assert.Equal("3000.00", refill.FundAmount);
        Assert.Equal(3000.00m, await QuotaUsedAsync(settled.RegistrationId));
        Assert.Equal(1L, await OutboxAsync(nameof(SettlementReversed)));
        var original = PrenatalCheck(person, (PrenatalVisit, "2600.00"));
        original.RequestId = settled.RequestId;
        var retried = await Claims.SettleAsync(original);
        Assert.Equal((settled.SettlementId, SettlementState.Reversed), (retried.SettlementId, retried.State)); // the retry sees what became of it
    }

    [Fact]
    public async Task A_retried_request_returns_the_first_result_sequentially_and_concurrently_and_a_changed_one_is_refused()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var request = PrenatalCheck(person, (PrenatalVisit, "700.00"));

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Claims.SettleAsync(request).ResponseAsync));
        var sequential = await Claims.SettleAsync(request);
        var again = await Claims.SettleAsync(request);

        var changed = request.Clone();
        changed.Lines[0].UnitPrice = changed.Lines[0].Amount = changed.TotalAmount = "701.00";
        var refused = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(changed).ResponseAsync);

        Assert.Single(concurrent.Select(s => s.SettlementId).Append(sequential.SettlementId).Append(again.SettlementId).Distinct());
        Assert.Equal(StatusCode.AlreadyExists, refused.StatusCode);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM settlement"));
        Assert.Equal(1L, await OutboxAsync(nameof(SettlementCompleted)));
        Assert.Equal(700.00m, await QuotaUsedAsync(sequential.RegistrationId));
    }

    [Fact]
    public async Task With_claims_redis_unreachable_retries_are_answered_from_the_database_and_still_pay_once()
    {
        // Claims' own Redis points at a closed port; Enrollment and Prenatal keep theirs.
        await using var platform = await StartAsync(servers, "claims-noredis",
            new Dictionary<string, string> { ["ConnectionStrings:redis"] = "127.0.0.1:1,connectTimeout=200" });
        var person = await platform.EligibleEmployeeAsync();
        var request = PrenatalCheck(person, (PrenatalVisit, "900.00"));

        var settled = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => platform.Claims.SettleAsync(request).ResponseAsync));
        var again = await platform.Claims.SettleAsync(request);

        Assert.Single(settled.Select(s => s.SettlementId).Append(again.SettlementId).Distinct());
        Assert.Equal(1L, await platform.Isolation.CountAsync("claimsdb", "SELECT count(*) FROM settlement"));
        Assert.Equal(900.00m, (decimal)(await platform.Isolation.SqlAsync("claimsdb", "SELECT used FROM pregnancy_quota"))!);
    }

    [Fact]
    public async Task A_person_who_is_not_eligible_is_refused_with_every_reason_and_nothing_is_stored_anywhere()
    {
        var notInsured = TestData.IdNumber();
        var shortOfMonths = await _platform.EligibleEmployeeAsync(months: 4);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(PrenatalCheck(notInsured, (PrenatalVisit, "100.00"))).ResponseAsync);
        var shortRefused = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(PrenatalCheck(shortOfMonths, (PrenatalVisit, "100.00"))).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("not-insured", Violations(refused));
        Assert.Contains("contributions-short", Violations(shortRefused));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM settlement"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM pregnancy_quota"));
        Assert.Equal(0L, await _platform.Isolation.CountAsync("prenataldb", "SELECT count(*) FROM prenatal_registration"));
    }

    private static IReadOnlyList<string> Violations(RpcException e) =>
        e.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations.Select(v => v.Type).ToList();

    [Fact]
    public async Task Bad_input_names_each_field_and_rule_and_stores_nothing()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var request = PrenatalCheck(person, (PrenatalVisit, "100.00"), (UrineRoutine, "20.00"), ("999999999", "5.00"), (UrineRoutine, "10.00"));
        request.Lines[0].Amount = "-100.00";
        request.Lines[1].UnitPrice = "20.005";
        request.Lines[3].Quantity = "0";
        request.ServiceDate = Date(Today.AddDays(3));
        request.TotalAmount = "999.00";

        var refused = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(request).ResponseAsync);
        var fields = refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(f => f.Field).ToHashSet();

        var sums = PrenatalCheck(person, (PrenatalVisit, "100.00"));
        sums.Lines[0].Quantity = "2";
        var badSum = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(sums).ResponseAsync);
        // An item is checked against the catalog of the person's own region, once the region is known from the record.
        var unknownItem = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "10.00"), ("999999999", "5.00"))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Superset(new HashSet<string> { "lines[0].amount", "lines[1].unit_price", "lines[3].quantity", "service_date" }, fields);
        Assert.Equal("lines[1].item_code", Assert.Single(unknownItem.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
        Assert.Contains("quantity × unit_price = 200.00", badSum.Status.Detail);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM settlement"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM pregnancy_quota"));
    }

    [Fact]
    public async Task Cross_province_treatment_needs_a_filing_and_in_province_treatment_does_not()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var fuzhou = Request(person, "52", "1", "", (Caesarean, "3000.00"));
        fuzhou.InstitutionCode = "H35010200001";
        var hangzhou = Request(person, "52", "1", "", (Caesarean, "3000.00"));
        hangzhou.InstitutionCode = "H33010600001";

        var refused = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(fuzhou).ResponseAsync);
        var inProvince = await Claims.SettleAsync(hangzhou);
        await Claims.FileCrossRegionAsync(new FileCrossRegionRequest
        {
            IdNumber = person, Region = "330300", Destination = "350100", ValidFrom = Date(Today.AddDays(-30)), ValidTo = Date(Today.AddDays(150)),
            FiledBy = "wz-clerk-02",
        });
        var filed = await Claims.SettleAsync(fuzhou);

        Assert.Equal("cross-region-filing-required", Assert.Single(Violations(refused)));
        Assert.Equal(("in-province", "3000.00"), (inProvince.SettlementScope, inProvince.FundAmount));
        Assert.Equal(("cross-province", "3000.00"), (filed.SettlementScope, filed.FundAmount));
        Assert.StartsWith("330300@", filed.PolicyVersion); // the insured region's rules apply
    }

    [Fact]
    public async Task A_region_that_requires_registration_refuses_an_unregistered_prenatal_check_and_settles_once_registered()
    {
        var person = await _platform.EligibleEmployeeAsync(region: "420281"); // insured in Daye
        var request = PrenatalCheck(person, (PrenatalVisit, "400.00"), (UrineRoutine, "150.00"));
        request.Region = "";
        request.InstitutionCode = "H42028100001";

        var refused = await Assert.ThrowsAsync<RpcException>(() => Claims.SettleAsync(request).ResponseAsync);
        var registration = await _platform.Prenatal.RegisterPregnancyAsync(new RegisterPregnancyRequest
        {
            IdNumber = person, Region = "420281", PregnancyDate = Date(Today.AddDays(-90)), ExpectedDeliveryDate = Date(Today.AddDays(190)),
            FetusCount = 1, HospitalCode = "H42028100001", Channel = Channel.HospitalServiceStation,
        });
        var settled = await Claims.SettleAsync(request);

        Assert.Equal("prenatal-registration-required", Assert.Single(Violations(refused)));
        Assert.Equal(registration.RegistrationId, settled.RegistrationId);
        Assert.Equal(("500.00", "500.00", "50.00"), (settled.PrenatalQuotaCap, settled.FundAmount, settled.TransferredAmount)); // Daye's cap 500
    }

    [Fact]
    public async Task A_childbirth_ends_the_pregnancy_and_closes_its_quota_through_the_events()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var check = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "100.00")));

        var birth = await Claims.SettleAsync(Request(person, "52", "3", "", (Caesarean, "2800.00"), (Bed, "450.00")));

        Assert.Equal(("3250.00", "0.00"), (birth.FundAmount, birth.IndividualAmount));
        Assert.Equal(check.RegistrationId, birth.RegistrationId);
        await Eventually.Get(async () => (bool)(await _platform.Isolation.SqlAsync("claimsdb",
            "SELECT NOT open FROM quota_registration WHERE registration_id = $1", Guid.Parse(check.RegistrationId)))! ? "closed" : null,
            TimeSpan.FromSeconds(30), "the quota to close after PregnancyEnded");
        var ended = await _platform.Prenatal.GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = check.RegistrationId });
        Assert.Equal(RegistrationState.Ended, ended.State);
    }

    [Fact]
    public async Task Pre_settlement_computes_the_same_split_and_stores_nothing()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var request = PrenatalCheck(person, (PrenatalVisit, "3200.00"));

        var preview = await Claims.PreSettleAsync(request);
        var settled = await Claims.SettleAsync(request);

        Assert.Equal(SettlementState.Preview, preview.State);
        Assert.Equal("", preview.SettlementId);
        Assert.Equal((settled.FundAmount, settled.TransferredAmount), (preview.FundAmount, preview.TransferredAmount));
        Assert.Equal(("3000.00", "200.00"), (preview.FundAmount, preview.TransferredAmount));
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM settlement"));
    }

    [Fact]
    public async Task Repeats_on_a_day_are_flagged_for_review_not_refused_and_an_operator_clears_them()
    {
        var person = await _platform.EligibleEmployeeAsync();
        await Claims.SettleAsync(PrenatalCheck(person, (UrineRoutine, "12.00")));
        var repeat = await Claims.SettleAsync(PrenatalCheck(person, (UrineRoutine, "12.00")));

        var auditor = new ClaimsClient(_platform.ClaimsHost.Channel(Caller.Operator("auditor-03", BuildingBlocks.Domain.OperatorRole.FundAuditor, "fund-centre")));
        var flags = await auditor.ListAuditFlagsAsync(new ListAuditFlagsRequest { InstitutionCode = "H33030200001" });
        var flag = Assert.Single(flags.Flags);
        var cleared = await auditor.ReviewAuditFlagAsync(new ReviewAuditFlagRequest
        {
            FlagId = flag.FlagId, Decision = "cleared", Reviewer = "auditor-03", Note = "上午、下午两次产检, 医嘱齐全",
        });

        Assert.Equal("12.00", repeat.FundAmount);
        Assert.Equal(["repeat-same-day"], repeat.Lines[0].AuditFlags);
        Assert.Equal((repeat.SettlementId, "repeat-same-day", "open"), (flag.SettlementId, flag.Rule, flag.State));
        Assert.Equal(("cleared", "auditor-03"), (cleared.State, cleared.ReviewedBy));
        Assert.Empty((await auditor.ListAuditFlagsAsync(new ListAuditFlagsRequest())).Flags);
    }

    [Fact]
    public async Task Reconciliation_nets_the_day_s_settlements_and_reversals_and_compares_the_hospital_s_figures()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var a = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "300.00")));
        await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "200.00")));
        await Claims.SettleAsync(Request(person, "52", "1", "", (Caesarean, "1000.00")));
        await Claims.ReverseAsync(new ReverseRequest { InstitutionCode = a.InstitutionCode, SettlementId = a.SettlementId, Reason = "重复收费" });
        var today = Date(DateOnly.FromDateTime(DateTime.Now));

        var right = await Claims.ReconcileAsync(new ReconcileRequest
        {
            InstitutionCode = "H33030200001", Date = today, HospitalSettlementCount = 2, HospitalFundAmount = "1200.00",
        });
        var wrong = await Claims.ReconcileAsync(new ReconcileRequest
        {
            InstitutionCode = "H33030200001", Date = today, HospitalSettlementCount = 3, HospitalFundAmount = "1500.00",
        });
        var other = await Claims.ReconcileAsync(new ReconcileRequest { InstitutionCode = "H33030200002", Date = today });

        Assert.Equal((3, 1, "1200.00"), (right.Total.SettlementCount, right.Total.ReversalCount, right.Total.FundAmount));
        Assert.Equal(["51", "52"], right.ByMedicalType.Select(t => t.MedicalType));
        Assert.True(right.Matched);
        Assert.Equal((false, "-300.00"), (wrong.Matched, wrong.Difference));
        Assert.Equal(0, other.Total.SettlementCount);
    }

    [Fact]
    public async Task An_institution_lists_only_its_own_settlements_and_another_s_is_not_found()
    {
        var person = await _platform.EligibleEmployeeAsync();
        var ours = await Claims.SettleAsync(PrenatalCheck(person, (PrenatalVisit, "100.00")));
        var theirsRequest = PrenatalCheck(person, (UrineRoutine, "10.00"));
        theirsRequest.InstitutionCode = "H33030200002";
        var theirs = await Claims.SettleAsync(theirsRequest);

        var listed = await Claims.ListSettlementsAsync(new ListSettlementsRequest { InstitutionCode = "H33030200001" });
        var denied = await Assert.ThrowsAsync<RpcException>(() => Claims.GetSettlementAsync(new GetSettlementRequest
        {
            InstitutionCode = "H33030200001", SettlementId = theirs.SettlementId,
        }).ResponseAsync);
        var read = await Claims.GetSettlementAsync(new GetSettlementRequest { InstitutionCode = "H33030200001", SettlementId = ours.SettlementId });

        Assert.Equal([ours.SettlementId], listed.Settlements.Select(s => s.SettlementId));
        Assert.Equal(StatusCode.NotFound, denied.StatusCode); // as a settlement that does not exist: nothing of the other is told
        Assert.DoesNotContain("H33030200002", denied.Status.Detail);
        Assert.Equal(ours.Lines.Single().Explanation, read.Lines.Single().Explanation);
    }
}
