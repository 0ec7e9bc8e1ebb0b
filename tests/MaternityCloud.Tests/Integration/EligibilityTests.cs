using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Enrollment.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MaternityCloud.Tests.Infrastructure;
using StackExchange.Redis;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Enrollment's eligibility on the real servers: answers from one database snapshot, cached in Redis, and never stale
/// after a change; contributions in bulk; history; region parameter versions loaded while running.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class EligibilityTests(TestServers servers) : IAsyncLifetime
{
    private const string Wenzhou = "330300";   // 10 continuous months, back-payments not counted
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);
    private static readonly DateOnly ThisMonth = new(Today.Year, Today.Month, 1);
    private ServiceHost<EnrollmentGrpcService> _host = null!;
    private EnrollmentClient _enrollment = null!;
    private Isolation _isolation = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("eligibility", "enrollmentdb");
        _host = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _enrollment = new EnrollmentClient(_host.Channel());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<InsuredPerson> EmployeeAsync(string insuredFrom = "2020-01-01")
    {
        var employer = await _enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(),
            Name = "温州市鹿城区示例服饰有限公司",
            CorporateAccount = new BankAccount { BankName = "中国农业银行温州分行", AccountNumber = "19200101040012345", AccountName = "温州市鹿城区示例服饰有限公司" },
        });
        return await _enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = "330300", IdNumber = TestData.IdNumber(), Name = "陈丽娟", Kind = InsuredKind.Employee, EmployerCreditCode = employer.CreditCode,
            InsuredFrom = insuredFrom,
        });
    }

    private static IEnumerable<ContributionRecord> Months(InsuredPerson person, int count, DateOnly before, int skipFirst = 0) =>
        EnrollmentCalls.PaidMonths(person.IdNumber, count, before, skipFirst, person.EmployerCreditCode);

    private Task<ContributionImportResult> RecordAsync(IEnumerable<ContributionRecord> records) => _enrollment.RecordContributionsAsync(records);

    private Task<EligibilityDecision> CheckAsync(string idNumber, Benefit benefit, DateOnly date, string region = Wenzhou) =>
        _enrollment.CheckEligibilityAsync(new CheckEligibilityRequest
        {
            IdNumber = idNumber, Benefit = benefit, EventDate = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Region = region,
        }).ResponseAsync;

    private async Task<HashEntry[]> CachedAsync(string idNumber)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_isolation.ConnectionStrings["redis"]);
        return await redis.GetDatabase().HashGetAllAsync($"{_isolation.RedisKeyPrefix}elig:id:{idNumber}");
    }

    [Fact]
    public async Task An_answer_is_cached_and_a_new_contribution_changes_it_at_once()
    {
        var person = await EmployeeAsync();
        Assert.Equal(5, (await RecordAsync(Months(person, 5, ThisMonth))).Stored);

        var first = await CheckAsync(person.IdNumber, Benefit.Allowance, Today);
        Assert.False(first.Eligible);
        var reason = Assert.Single(first.Reasons);
        Assert.Equal("contributions-short", reason.Code);
        Assert.StartsWith("5 continuous months", reason.Message);
        Assert.Equal(2, (await CachedAsync(person.IdNumber)).Length); // "rev" and one answer

        // Behind the service's back the rows go away: the cached answer is still served, which shows it is the cache.
        await _isolation.SqlAsync("enrollmentdb", "UPDATE contribution SET paid_in_full_on_time = false");
        Assert.Equal(first, await CheckAsync(person.IdNumber, Benefit.Allowance, Today));
        await _isolation.SqlAsync("enrollmentdb", "UPDATE contribution SET paid_in_full_on_time = true");

        // A real change through the service: the very next answer is the new one.
        var added = await RecordAsync(Months(person, 5, ThisMonth, skipFirst: 5));
        Assert.Equal(5, added.Stored);
        var after = await CheckAsync(person.IdNumber, Benefit.Allowance, Today);
        Assert.True(after.Eligible, string.Join("; ", after.Reasons.Select(r => r.Message)));
        Assert.Equal(Wenzhou + "@2024-01-01", after.PolicyVersion[..17]);
        Assert.Equal(InsuredKind.Employee, after.Kind);

        // The read methods answer JSON on the HTTP endpoint too (JSON transcoding).
        using var http = _host.CreateOperatorClient();
        var json = await http.GetFromJsonAsync<JsonElement>(
            $"/v1/eligibility?idNumber={person.IdNumber}&benefit=BENEFIT_ALLOWANCE&eventDate={Today:yyyy-MM-dd}&region={Wenzhou}");
        Assert.True(json.GetProperty("eligible").GetBoolean());
    }

    [Fact]
    public async Task A_bulk_import_keeps_the_good_rows_and_reports_each_bad_one_by_line()
    {
        var person = await EmployeeAsync();
        var good = Months(person, 4, ThisMonth).ToList();
        var records = new List<ContributionRecord>(good)
        {
            new() { IdNumber = person.IdNumber[..17] + (person.IdNumber[17] == '1' ? '2' : '1'), Month = "2026-01", PaidInFullOnTime = true },
            new() { IdNumber = person.IdNumber, Month = "2026-13", PaidInFullOnTime = true },
            new() { IdNumber = TestData.IdNumber(), Month = "2026-01", PaidInFullOnTime = true },
            new() { IdNumber = person.IdNumber, Month = good[0].Month, PaidInFullOnTime = false, BackPayment = true, Amount = "812.40" },
            new() { IdNumber = person.IdNumber, Month = "2026-01", PaidInFullOnTime = true, Amount = "12.345" },
        };

        var result = await RecordAsync(records);

        Assert.Equal(9, result.Received);
        Assert.Equal(
            [
                (1, "month", "the same person and month appear again on line 8, which is the one kept"),
                (5, "id_number", "the check character does not match (ISO 7064 MOD 11-2)"),
                (6, "month", "must be a month in the form yyyy-MM"),
                (7, "id_number", "no insured person has this ID number: register the person first"),
                (9, "amount", "must have at most 2 decimals (fen)"),
            ],
            result.Rejected.Select(r => (r.Line, r.Field, r.Reason)).ToArray());
        Assert.Equal(4, result.Stored);
        Assert.Equal(4L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM contribution"));
        // Line 8 replaced line 1: that month is now a back-payment.
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM contribution WHERE back_payment AND NOT paid_in_full_on_time"));

        // The same import again changes nothing.
        var again = await RecordAsync(records);
        Assert.Equal(4, again.Stored);
        Assert.Equal(4L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM contribution"));
    }

    [Fact]
    public async Task A_kind_change_mid_pregnancy_changes_the_allowance_answer_from_its_date_only()
    {
        var person = await EmployeeAsync();
        await RecordAsync(Months(person, 24, ThisMonth));
        var changeDate = ThisMonth.AddMonths(-1);

        var changed = await _enrollment.ChangeInsuranceAsync(new ChangeInsuranceRequest
        {
            PersonId = person.PersonId, Kind = InsuredKind.UnemploymentBenefitRecipient,
            EffectiveFrom = changeDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Reason = "劳动合同终止, 领取失业保险金",
        });

        Assert.Equal(2, changed.History.Count);
        Assert.Equal(changeDate.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), changed.History[0].ValidTo);
        Assert.Equal(InsuredKind.UnemploymentBenefitRecipient, changed.Kind);
        var before = await CheckAsync(person.IdNumber, Benefit.Allowance, changeDate.AddDays(-3));
        var after = await CheckAsync(person.IdNumber, Benefit.Allowance, Today);
        Assert.True(before.Eligible, string.Join("; ", before.Reasons.Select(r => r.Message)));
        Assert.Equal(InsuredKind.Employee, before.Kind);
        Assert.Equal(["excluded-kind"], after.Reasons.Select(r => r.Code));
        Assert.True((await CheckAsync(person.IdNumber, Benefit.MaternityMedical, Today)).Eligible);
    }

    [Fact]
    public async Task Insurance_that_ended_answers_not_insured_after_its_last_day_and_the_past_is_not_rewritten()
    {
        var person = await EmployeeAsync();
        await RecordAsync(Months(person, 24, ThisMonth));
        var lastDay = ThisMonth.AddDays(-1);

        var ended = await _enrollment.EndInsuranceAsync(new EndInsuranceRequest
        {
            PersonId = person.PersonId, LastDay = lastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Reason = "迁出本统筹区",
        });

        Assert.Equal(lastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Assert.Single(ended.History).ValidTo);
        Assert.True((await CheckAsync(person.IdNumber, Benefit.MaternityMedical, lastDay)).Eligible);
        var after = await CheckAsync(person.IdNumber, Benefit.MaternityMedical, Today);
        Assert.Equal(["not-insured", "spouse-not-filed"], after.Reasons.Select(r => r.Code));
        Assert.Equal($"not insured on {Today:yyyy-MM-dd}: insurance ended on {lastDay:yyyy-MM-dd}", after.Reasons[0].Message);

        var rewrite = await Assert.ThrowsAsync<RpcException>(() => _enrollment.ChangeInsuranceAsync(new ChangeInsuranceRequest
        {
            PersonId = person.PersonId, Kind = InsuredKind.FlexibleWorker, EffectiveFrom = "2019-06-01", Reason = "补录",
        }).ResponseAsync);
        Assert.Equal("history-append-only", Assert.Single(rewrite.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE '%.InsuranceEnded'"));
    }

    [Fact]
    public async Task A_region_version_loaded_while_running_applies_to_new_events_and_old_events_keep_their_answer()
    {
        var person = await EmployeeAsync();
        await RecordAsync(Months(person, 5, ThisMonth.AddMonths(1)));  // up to and including this month
        var yesterday = Today.AddDays(-1);
        var old = await CheckAsync(person.IdNumber, Benefit.Allowance, yesterday);
        Assert.Equal(["contributions-short"], old.Reasons.Select(r => r.Code));

        var document = ShippedWenzhou()
            .Replace("\"effectiveFrom\": \"2024-01-01\"", $"\"effectiveFrom\": \"{Today:yyyy-MM-dd}\"")
            .Replace("\"minimumContributionMonths\": 10", "\"minimumContributionMonths\": 3");
        var loaded = await _enrollment.LoadRegionPolicyAsync(new LoadRegionPolicyRequest { Document = document, LoadedBy = "fund-admin-01" });
        var repeated = await _enrollment.LoadRegionPolicyAsync(new LoadRegionPolicyRequest { Document = document, LoadedBy = "fund-admin-01" });

        Assert.Equal(loaded.Version, repeated.Version);
        Assert.Equal(old, await CheckAsync(person.IdNumber, Benefit.Allowance, yesterday));
        var now = await CheckAsync(person.IdNumber, Benefit.Allowance, Today);
        Assert.True(now.Eligible);
        Assert.Equal(loaded.Version, now.PolicyVersion);
        Assert.Equal(2, (await _enrollment.ListRegionPoliciesAsync(new ListRegionPoliciesRequest { Region = Wenzhou })).Versions.Count);

        var retroactive = await Assert.ThrowsAsync<RpcException>(() => _enrollment.LoadRegionPolicyAsync(new LoadRegionPolicyRequest
        {
            Document = document.Replace($"\"effectiveFrom\": \"{Today:yyyy-MM-dd}\"", "\"effectiveFrom\": \"2025-01-01\""),
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, retroactive.StatusCode);
        Assert.Equal("policy-not-retroactive", Assert.Single(retroactive.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);
        var conflicting = await Assert.ThrowsAsync<RpcException>(() => _enrollment.LoadRegionPolicyAsync(new LoadRegionPolicyRequest
        {
            Document = document.Replace("\"minimumContributionMonths\": 3", "\"minimumContributionMonths\": 4"),
        }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, conflicting.StatusCode);
    }

    [Fact]
    public async Task Bad_eligibility_questions_name_every_bad_field()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _enrollment.CheckEligibilityAsync(new CheckEligibilityRequest
        {
            IdNumber = "35010219940517123", Benefit = (Benefit)7, EventDate = Today.AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Region = "999999",
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var fields = error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.ToDictionary(v => v.Field, v => v.Description);
        Assert.Equal(["benefit", "event_date", "id_number", "region"], fields.Keys.Order());
        Assert.Equal("must be 18 characters", fields["id_number"]);
        Assert.Equal("unknown region '999999': no parameter set has been loaded for it", fields["region"]);
    }

    [Fact]
    public async Task An_answer_computed_before_a_change_cannot_be_stored_after_the_change_dropped_the_old_one()
    {
        var cache = _host.Services.GetRequiredService<EligibilityCache>();
        var subject = EligibilitySubject.ForIdNumber(TestData.IdNumber()).Key;
        var stale = new Enrollment.Domain.EligibilityDecision(false, [new("contributions-short", "old")], "330300@2024-01-01#1", null, null, false, "330300");
        var fresh = stale with { Eligible = true, Reasons = [] };
        const string field = "2|20261120|1";

        // A reader looks (cache generation observed), reads revision 1 from the database, and is slow...
        var lookup = await cache.TryGetAsync(subject, field);
        Assert.Null(lookup.Decision);
        // ...meanwhile a change commits revision 2 and drops the subject's answers...
        await cache.InvalidateAsync([new SubjectRevision(subject, 2)]);
        // ...and the slow reader's answer from revision 1 is refused, while one from revision 2 is kept.
        await cache.StoreAsync(subject, field, lookup.Generation!, revision: 1, stale);
        Assert.Null((await cache.TryGetAsync(subject, field)).Decision);
        await cache.StoreAsync(subject, field, lookup.Generation!, revision: 2, fresh);
        Assert.Equal(fresh.Eligible, (await cache.TryGetAsync(subject, field)).Decision!.Eligible);

        // A flush (new region parameters, or recovery after Redis was unreachable) orphans every stored answer.
        Assert.True(await cache.FlushAsync());
        Assert.Null((await cache.TryGetAsync(subject, field)).Decision);
    }

    [Fact]
    public async Task Without_Redis_every_answer_comes_from_the_database_and_is_still_current()
    {
        await using var noRedis = ReplicaWithoutRedis();
        var client = new EnrollmentClient(noRedis.Channel());
        var (person, request) = await NineMonthsAsync();

        var before = await client.CheckEligibilityAsync(request);
        Assert.Equal(1, (await client.RecordContributionsAsync(Months(person, 1, ThisMonth, skipFirst: 9))).Stored);
        var after = await client.CheckEligibilityAsync(request);

        Assert.Equal(["contributions-short"], before.Reasons.Select(r => r.Code));
        Assert.True(after.Eligible);
    }

    [Fact]
    public async Task A_change_another_replica_could_not_drop_from_the_shared_cache_is_not_answered_stale_here()
    {
        // Two replicas on one database and one Redis; the second's connection to Redis is broken.
        await using var cutOff = ReplicaWithoutRedis();
        var otherReplica = new EnrollmentClient(cutOff.Channel());
        var (person, request) = await NineMonthsAsync();
        var cached = await _enrollment.CheckEligibilityAsync(request); // this replica caches "9 months: too short"
        Assert.Equal(2, (await CachedAsync(person.IdNumber)).Length);

        // The tenth month is recorded through the replica that cannot reach Redis: it cannot drop the cached answer.
        Assert.Equal(1, (await otherReplica.RecordContributionsAsync(Months(person, 1, ThisMonth, skipFirst: 9))).Stored);
        // This replica learns of it from the database (within its poll, a second) and answers from the new facts.
        var answered = await Eventually.Get(async () =>
        {
            var decision = await _enrollment.CheckEligibilityAsync(request);
            return decision.Eligible ? decision : null;
        }, TimeSpan.FromSeconds(10), "the new contribution to count on the replica that reaches Redis");

        Assert.Equal(["contributions-short"], cached.Reasons.Select(r => r.Code));
        Assert.True(answered.Eligible);
        // And the suspicion is cleared once the cache's old answers are orphaned, so nobody flushes for it again.
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT raised - cleared FROM eligibility_cache_suspicion"));
    }

    /// <summary>Another replica of the service on the same database, whose Redis is unreachable (nothing listens on the port).</summary>
    private ServiceHost<EnrollmentGrpcService> ReplicaWithoutRedis() => new(_isolation with
    {
        ConnectionStrings = new Dictionary<string, string>(_isolation.ConnectionStrings) { ["redis"] = $"127.0.0.1:{FreePorts.Take(1)[0]},connectTimeout=200" },
    });

    /// <summary>An employee with nine paid months, one short of maternity medical care, and the question for today.</summary>
    private async Task<(InsuredPerson Person, CheckEligibilityRequest Request)> NineMonthsAsync()
    {
        var person = await EmployeeAsync();
        await RecordAsync(Months(person, 9, ThisMonth));
        return (person, new CheckEligibilityRequest
        {
            IdNumber = person.IdNumber, Benefit = Benefit.MaternityMedical, EventDate = Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Region = Wenzhou,
        });
    }

    private static string ShippedWenzhou()
    {
        using var stream = typeof(MaternityCloud.BuildingBlocks.Policy.RegionPolicyDocument).Assembly
            .GetManifestResourceStream("Regions.330300-2024-01-01.json")!;
        return new StreamReader(stream).ReadToEnd();
    }
}
