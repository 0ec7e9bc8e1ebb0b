using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Allowance.V1;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;
using static MaternityCloud.Tests.Infrastructure.ClaimsPlatform;
using AllowanceClient = MaternityCloud.Contracts.Allowance.V1.Allowance.AllowanceClient;
using CaseState = MaternityCloud.Contracts.Allowance.V1.CaseState;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using OperatorRole = MaternityCloud.BuildingBlocks.Domain.OperatorRole;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

namespace MaternityCloud.Tests.Integrity;

/// <summary>
/// The adversarial-hospital suite (`make attacks`): a dishonest or careless hospital, with nothing but its own credential
/// and the public gRPC API, tries every attack of issue 18 and variations of its own; a service credential and an
/// operator's port are tried too. Each attack says what it tried and whether it got anything it should not: money no
/// fact supports, another institution's data or record, a change it may not make, an unaudited read. It prints
/// "N attacks tried, 0 succeeded" and fails on any success.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AdversarialHospitalTests(TestServers servers, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Honest = "H33030200001";
    private const string Rogue = "H33030200002";
    private const string MaternityOnly = "H33030200004";      // no family-planning qualification, no cross-region settlement
    private const string PlanningOnly = "H33030200005";       // family planning only
    private const string Expired = "H33030200006";            // agreement ended 2023-12-31
    private const string Beijing = "H11010500001";
    private const string PrenatalVisit = "311202001";
    private const string Caesarean = "331505003";
    private const string IudInsertion = "311201005";
    private ClaimsPlatform _platform = null!;

    private sealed record Attack(string Name, Func<Task<string?>> Try);

    public async Task InitializeAsync() => _platform = await StartAsync(servers, "attacks", withAllowance: true);

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private ClaimsClient ClaimsAs(string institution) => new(_platform.ClaimsHost.Channel(Caller.Institution(institution)));
    private PrenatalClient PrenatalAs(Caller caller) => new(_platform.PrenatalHost.Channel(caller));
    private AllowanceClient AllowanceAs(Caller caller) => new(_platform.AllowanceHost!.Channel(caller));
    private Task<long> CountAsync(string database, string sql, params object[] parameters) => _platform.Isolation.CountAsync(database, sql, parameters);


    private static SettleRequest Birth(string person, string institution = Honest)
    {
        var r = Request(person, "52", "3", "", (Caesarean, "3000.00"));
        r.InstitutionCode = institution;
        r.GestationalWeeks = 39;
        return r;
    }

    /// <summary>Null when the call was refused (the attack failed); otherwise what the attacker got.</summary>
    private static async Task<string?> Refused<T>(Func<Task<T>> call, string whatItWouldGet)
    {
        try { await call(); return whatItWouldGet; }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.OK or StatusCode.Unknown or StatusCode.Internal)) { return null; }
    }

    /// <summary>A refusal that must also say nothing of another institution's record.</summary>
    private static async Task<string?> RefusedSilently<T>(Func<Task<T>> call, params string[] secrets)
    {
        try { await call(); return "the call succeeded"; }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.OK or StatusCode.Unknown or StatusCode.Internal))
        {
            return secrets.FirstOrDefault(s => s.Length > 0 && e.Status.Detail.Contains(s)) is { } leaked ? $"the refusal named '{leaked}'" : null;
        }
    }

    private async Task<long> PayableAsync(string person) =>
        await CountAsync("allowancedb", "SELECT count(*) FROM allowance_case WHERE id_number = $1 AND state IN ('Approved', 'InPayment', 'Paid')", person);

    [Fact]
    public async Task A_dishonest_or_careless_hospital_gets_nothing_no_fact_supports()
    {
        var attacks = new List<Attack>();

        // 1. A reversal sent at once after its settlement, three times, and then the settlement retried.
        for (var i = 0; i < 3; i++)
            attacks.Add(new($"reverse a childbirth at once and hope the allowance is paid anyway (try {i + 1})", async () =>
            {
                var person = await _platform.EligibleMotherAsync();
                var hospital = ClaimsAs(Honest);
                var birth = Birth(person);
                var settled = await hospital.SettleAsync(birth);
                await hospital.ReverseAsync(new ReverseRequest { SettlementId = settled.SettlementId, Reason = "wrong patient" });
                await Eventually.True(async () => await CountAsync("allowancedb", "SELECT count(*) FROM case_report WHERE reference = $1", settled.SettlementId) == 1
                    && await CountAsync("allowancedb", "SELECT count(*) FROM reversed_settlement WHERE settlement_id = $1", Guid.Parse(settled.SettlementId)) == 1,
                    TimeSpan.FromSeconds(30), "Allowance to hear both");
                var retried = await hospital.SettleAsync(birth);
                return await PayableAsync(person) > 0 ? "a payable allowance case"
                    : retried.State != SettlementState.Reversed ? "the retry answered settled" : null;
            }));

        // 2. Counts and codes out of range, wherever they arrive.
        foreach (var (fetuses, weeks, what) in new[] { (0, 39, "no baby"), (10, 39, "ten babies"), (-1, 39, "minus one baby"), (1, 0, "no gestational weeks"), (1, 60, "60 weeks") })
            attacks.Add(new($"settle a childbirth of {what}", async () =>
            {
                var birth = Birth(await _platform.EligibleMotherAsync());
                (birth.FetusCount, birth.GestationalWeeks) = (fetuses, weeks);
                return await Refused(() => ClaimsAs(Honest).SettleAsync(birth).ResponseAsync, "settled");
            }));
        attacks.Add(new("settle an IUD insertion as a dystocia with a fetus", async () =>
        {
            var visit = Request(await _platform.EligibleMotherAsync(), "5301", "", "1", (IudInsertion, "100.00"));
            (visit.FetusCount, visit.Dystocia) = (1, true);
            return await Refused(() => ClaimsAs(Honest).SettleAsync(visit).ResponseAsync, "settled");
        }));
        foreach (var fetuses in new[] { 0, 10 })
            attacks.Add(new($"apply for an allowance for {fetuses} babies", async () =>
                await Refused(() => AllowanceAs(Caller.Institution(Honest)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
                {
                    Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "JF-" + Guid.NewGuid().ToString("N")[..8],
                    IdNumber = TestData.IdNumber(), EventKind = EventKind.Childbirth, EventDate = Date(Today.AddDays(-1)), FetusCount = fetuses, GestationalWeeks = 39,
                }).ResponseAsync, "accepted")));

        // 3. The region is the person's: stating another, or treating far away without a filing or an enabled hospital.
        foreach (var region in new[] { "000000", "420281", "999999", "33030" })
            attacks.Add(new($"settle a Wenzhou person under region {region}", async () =>
            {
                var birth = Birth(await _platform.EligibleMotherAsync());
                birth.Region = region;
                return await Refused(() => ClaimsAs(Honest).SettleAsync(birth).ResponseAsync, "settled under another region's rules");
            }));
        attacks.Add(new("settle a Wenzhou person in Beijing without a cross-region filing", async () =>
        {
            var birth = Birth(await _platform.EligibleMotherAsync(), Beijing);
            return await Refused(() => ClaimsAs(Beijing).SettleAsync(birth).ResponseAsync, "settled cross-province without a filing");
        }));
        attacks.Add(new("settle a Daye person at a Wenzhou hospital not enabled for other regions", async () =>
        {
            var birth = Birth(await _platform.EligibleMotherAsync("420281"), MaternityOnly);
            return await Refused(() => ClaimsAs(MaternityOnly).SettleAsync(birth).ResponseAsync, "settled across regions");
        }));

        // The registry decides who is a designated, qualified institution on the service date.
        attacks.Add(new("settle at an institution not in the registry", async () =>
        {
            var birth = Birth(await _platform.EligibleMotherAsync(), "H33030299999");
            return await Refused(() => ClaimsAs("H33030299999").SettleAsync(birth).ResponseAsync, "settled");
        }));
        attacks.Add(new("settle at an institution whose agreement ended", async () =>
        {
            var birth = Birth(await _platform.EligibleMotherAsync(), Expired);
            return await Refused(() => ClaimsAs(Expired).SettleAsync(birth).ResponseAsync, "settled");
        }));
        attacks.Add(new("settle family planning at a maternity-only hospital", async () =>
        {
            var visit = Request(await _platform.EligibleMotherAsync(), "5301", "", "1", (IudInsertion, "100.00"));
            visit.InstitutionCode = MaternityOnly;
            return await Refused(() => ClaimsAs(MaternityOnly).SettleAsync(visit).ResponseAsync, "settled without the qualification");
        }));
        attacks.Add(new("settle a childbirth at a family-planning-only institution", async () =>
        {
            var birth = Birth(await _platform.EligibleMotherAsync(), PlanningOnly);
            return await Refused(() => ClaimsAs(PlanningOnly).SettleAsync(birth).ResponseAsync, "settled without the qualification");
        }));
        attacks.Add(new("register a pregnancy at an institution whose agreement ended", async () =>
            await Refused(() => PrenatalAs(Caller.Institution(Expired)).RegisterPregnancyAsync(Pregnancy(TestData.IdNumber(), Expired)).ResponseAsync, "registered")));

        // 4. An application's facts are claims.
        foreach (var (fetuses, dystocia) in new[] { (9, true), (3, false), (1, true) })
            attacks.Add(new($"apply for {fetuses} babies{(dystocia ? " and a dystocia" : "")} with no settlement and no birth record", async () =>
            {
                var person = await _platform.EligibleMotherAsync();
                var applied = await AllowanceAs(Caller.Institution(Honest)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
                {
                    Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "JF-" + Guid.NewGuid().ToString("N")[..8], IdNumber = person,
                    EventKind = EventKind.Childbirth, EventDate = Date(Today.AddDays(-1)), FetusCount = fetuses, Dystocia = dystocia, GestationalWeeks = 39,
                });
                return applied.State == CaseState.PendingReview && await PayableAsync(person) == 0 ? null : $"the case is {applied.State}";
            }));
        attacks.Add(new("apply claiming twins after a settlement of one baby, hoping for the twins' days", async () =>
        {
            var person = await _platform.EligibleMotherAsync();
            await ClaimsAs(Honest).SettleAsync(Birth(person));
            var applied = await AllowanceAs(Caller.Institution(Honest)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
            {
                Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "JF-" + Guid.NewGuid().ToString("N")[..8], IdNumber = person,
                EventKind = EventKind.Childbirth, EventDate = Date(Today.AddDays(-1)), FetusCount = 2, Dystocia = true, GestationalWeeks = 39,
            });
            var settled = await Eventually.Get(async () =>
            {
                var c = await _platform.Allowance.GetCaseAsync(new Contracts.Allowance.V1.GetCaseRequest { CaseId = applied.CaseId });
                return c.FactsVerifiedBy == "settlement" ? c : null;
            }, TimeSpan.FromSeconds(30), "the settlement to reach the case");
            return settled.FetusCount == 1 && !settled.Dystocia && settled.Computation.Days == 98 ? null : $"{settled.Computation.Days} days paid for {settled.FetusCount} babies";
        }));

        // 5. Another hospital's reference.
        attacks.Add(new("reuse another hospital's application reference to reach its case", async () =>
        {
            var reference = "JF-" + Guid.NewGuid().ToString("N")[..8];
            var theirs = await AllowanceAs(Caller.Institution(Honest)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
            {
                Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = reference, IdNumber = await _platform.EligibleMotherAsync(), EventKind = EventKind.Childbirth,
                EventDate = Date(Today.AddDays(-1)), FetusCount = 1, GestationalWeeks = 39,
            });
            var mine = await AllowanceAs(Caller.Institution(Rogue)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
            {
                Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = reference, IdNumber = await _platform.EligibleMotherAsync(), EventKind = EventKind.Childbirth,
                EventDate = Date(Today.AddDays(-1)), FetusCount = 1, GestationalWeeks = 39,
            });
            return mine.CaseId == theirs.CaseId || mine.IdNumber == theirs.IdNumber ? "the other hospital's case" : null;
        }));
        attacks.Add(new("apply in another hospital's name", async () =>
            await Refused(() => AllowanceAs(Caller.Institution(Rogue)).ApplyForAllowanceAsync(new ApplyForAllowanceRequest
            {
                Channel = Contracts.Allowance.V1.Channel.HospitalJointForm, RequestId = "JF-x", IdNumber = TestData.IdNumber(), EventKind = EventKind.Childbirth,
                EventDate = Date(Today.AddDays(-1)), FetusCount = 1, GestationalWeeks = 39, Applicant = Honest,
            }).ResponseAsync, "applied as the other hospital")));

        // 6 and 10. Another hospital's registration and settlement: not taken over, not read, not named.
        attacks.Add(new("take over another hospital's registration", async () =>
        {
            var registered = await PrenatalAs(Caller.Institution(Honest)).RegisterPregnancyAsync(Pregnancy(await _platform.EligibleMotherAsync(), Honest));
            var refusal = await RefusedSilently(() => PrenatalAs(Caller.Institution(Rogue)).ChangeHospitalAsync(new ChangeHospitalRequest
            {
                RegistrationId = registered.RegistrationId, ToHospitalCode = Rogue, Reason = "moved",
            }).ResponseAsync, Honest, registered.PregnancyDate);
            var holder = (string)(await _platform.Isolation.SqlAsync("prenataldb", "SELECT hospital_code FROM prenatal_registration WHERE registration_id = $1",
                Guid.Parse(registered.RegistrationId)))!;
            return refusal ?? (holder != Honest ? "the registration moved" : null);
        }));
        attacks.Add(new("hand another hospital's registration on to a third", async () =>
        {
            var registered = await PrenatalAs(Caller.Institution(Honest)).RegisterPregnancyAsync(Pregnancy(await _platform.EligibleMotherAsync(), Honest));
            return await RefusedSilently(() => PrenatalAs(Caller.Institution(Rogue)).ChangeHospitalAsync(new ChangeHospitalRequest
            {
                RegistrationId = registered.RegistrationId, ToHospitalCode = MaternityOnly, Reason = "moved",
            }).ResponseAsync, Honest);
        }));
        attacks.Add(new("learn of another hospital's registration by registering the same person", async () =>
        {
            var person = await _platform.EligibleMotherAsync();
            var registered = await PrenatalAs(Caller.Institution(Honest)).RegisterPregnancyAsync(Pregnancy(person, Honest));
            return await RefusedSilently(() => PrenatalAs(Caller.Institution(Rogue)).RegisterPregnancyAsync(Pregnancy(person, Rogue)).ResponseAsync,
                registered.RegistrationId, Honest, registered.PregnancyDate);
        }));
        attacks.Add(new("read another hospital's registration by its id", async () =>
        {
            var registered = await PrenatalAs(Caller.Institution(Honest)).RegisterPregnancyAsync(Pregnancy(await _platform.EligibleMotherAsync(), Honest));
            return await RefusedSilently(() => PrenatalAs(Caller.Institution(Rogue)).GetRegistrationAsync(new GetRegistrationRequest { RegistrationId = registered.RegistrationId }).ResponseAsync, Honest);
        }));
        attacks.Add(new("list a person's registrations held by another hospital", async () =>
        {
            var person = await _platform.EligibleMotherAsync();
            await PrenatalAs(Caller.Institution(Honest)).RegisterPregnancyAsync(Pregnancy(person, Honest));
            var listed = await PrenatalAs(Caller.Institution(Rogue)).ListRegistrationsAsync(new ListRegistrationsRequest { IdNumber = person });
            return listed.Registrations.Count == 0 ? null : "another hospital's registration";
        }));
        attacks.Add(new("read, list and reverse another hospital's settlement", async () =>
        {
            var settled = await ClaimsAs(Honest).SettleAsync(PrenatalCheck(await _platform.EligibleMotherAsync(), (PrenatalVisit, "50.00")));
            var rogue = ClaimsAs(Rogue);
            var found = await RefusedSilently(() => rogue.GetSettlementAsync(new GetSettlementRequest { SettlementId = settled.SettlementId }).ResponseAsync, Honest)
                ?? await RefusedSilently(() => rogue.ReverseAsync(new ReverseRequest { SettlementId = settled.SettlementId, Reason = "x" }).ResponseAsync, Honest)
                ?? await RefusedSilently(() => rogue.ListSettlementsAsync(new ListSettlementsRequest { InstitutionCode = Honest }).ResponseAsync, Honest);
            var state = (string)(await _platform.Isolation.SqlAsync("claimsdb", "SELECT state FROM settlement WHERE settlement_id = $1", Guid.Parse(settled.SettlementId)))!;
            return found ?? (state != "settled" ? "the settlement was reversed" : null);
        }));
        attacks.Add(new("settle in another hospital's name", async () =>
        {
            var birth = Birth(await _platform.EligibleMotherAsync());
            birth.InstitutionCode = Honest;
            return await Refused(() => ClaimsAs(Rogue).SettleAsync(birth).ResponseAsync, "settled as the other hospital");
        }));
        attacks.Add(new("register a pregnancy in a clerk's name", async () =>
        {
            var request = Pregnancy(await _platform.EligibleMotherAsync(), Rogue);
            request.Operator = "wz-clerk-01";
            return await Refused(() => PrenatalAs(Caller.Institution(Rogue)).RegisterPregnancyAsync(request).ResponseAsync, "registered as the clerk");
        }));
        foreach (var (name, call) in new (string, Func<Task<object>>)[]
        {
            ("approve an allowance case", async () => await AllowanceAs(Caller.Institution(Rogue)).ApproveCaseAsync(new CaseDecisionRequest { CaseId = Guid.NewGuid().ToString() })),
            ("run a payment batch", async () => await AllowanceAs(Caller.Institution(Rogue)).RunPaymentBatchAsync(new RunPaymentBatchRequest())),
            ("read an allowance case", async () => await AllowanceAs(Caller.Institution(Rogue)).GetCaseAsync(new Contracts.Allowance.V1.GetCaseRequest { CaseId = Guid.NewGuid().ToString() })),
            ("read the person register", async () => await new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Institution(Rogue))).GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = TestData.IdNumber() })),
            ("register itself in the institution registry", async () => await new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Institution(Rogue))).RegisterInstitutionAsync(new RegisterInstitutionRequest())),
        })
            attacks.Add(new($"a hospital tries to {name}", async () =>
            {
                try { await call(); return "allowed"; }
                catch (RpcException e) { return e.StatusCode == StatusCode.PermissionDenied ? null : $"answered {e.StatusCode}, not PermissionDenied"; }
            }));

        // 7. The prenatal cap is the pregnancy's.
        attacks.Add(new("cancel and register again to refill the prenatal cap", async () =>
        {
            var person = await _platform.EligibleMotherAsync();
            var clerk = PrenatalAs(Caller.Operator("wz-station-01", OperatorRole.ServiceStationClerk, "wz-station"));
            var first = await clerk.RegisterPregnancyAsync(Pregnancy(person, Honest));
            await Eventually.True(async () => await CountAsync("claimsdb", "SELECT count(*) FROM quota_registration WHERE registration_id = $1", Guid.Parse(first.RegistrationId)) == 1,
                TimeSpan.FromSeconds(20), "the quota open");
            await ClaimsAs(Honest).SettleAsync(PrenatalCheck(person, (PrenatalVisit, "2500.00")));
            await clerk.CancelRegistrationAsync(new CancelRegistrationRequest { RegistrationId = first.RegistrationId, Reason = "again" });
            var again = await clerk.RegisterPregnancyAsync(Pregnancy(person, Honest));
            await Eventually.True(async () => await CountAsync("claimsdb", "SELECT count(*) FROM quota_registration WHERE registration_id = $1 AND open", Guid.Parse(again.RegistrationId)) == 1
                && await CountAsync("claimsdb", "SELECT count(*) FROM quota_registration WHERE registration_id = $1 AND NOT open", Guid.Parse(first.RegistrationId)) == 1,
                TimeSpan.FromSeconds(20), "the new registration's quota");
            var next = await ClaimsAs(Honest).SettleAsync(PrenatalCheck(person, (PrenatalVisit, "2500.00")));
            return next.FundAmount == "500.00" ? null : $"{next.FundAmount} paid after 2,500.00 of a 3,000.00 cap";
        }));

        // 8. A newborn's cover from facts.
        attacks.Add(new("enrol a newborn with no birth record, backdated into the window", async () =>
        {
            var born = Today.AddDays(-200);
            var result = await Refused(() => new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Institution(Rogue))).EnrollNewbornAsync(new EnrollNewbornRequest
            {
                BirthCertificateNumber = "Q" + Random.Shared.Next(100000000, 999999999), Name = "陈小宝", BirthDate = Date(born), GuardianIdNumber = TestData.IdNumber(),
                EnrolledOn = Date(born.AddDays(10)),
            }).ResponseAsync, "enrolled");
            return result;
        }));

        // 9. A service's credential opens only what that service needs.
        var notifications = Caller.Service("notifications");
        foreach (var (name, call) in new (string, Func<Task<object>>)[]
        {
            ("read a person", async () => await new EnrollmentClient(_platform.EnrollmentHost.Channel(notifications)).GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = TestData.IdNumber() })),
            ("check eligibility", async () => await new EnrollmentClient(_platform.EnrollmentHost.Channel(notifications)).CheckEligibilityAsync(new CheckEligibilityRequest { IdNumber = TestData.IdNumber(), Benefit = Benefit.Allowance, EventDate = Date(Today) })),
            ("create a registration", async () => await PrenatalAs(notifications).EnsureRegistrationAsync(new EnsureRegistrationRequest { IdNumber = TestData.IdNumber(), Region = "330300", ServiceDate = Date(Today), GestationalWeeks = 10, FetusCount = 1, HospitalCode = Rogue })),
            ("settle", async () => await new ClaimsClient(_platform.ClaimsHost.Channel(notifications)).SettleAsync(Birth(TestData.IdNumber()))),
            ("approve an allowance", async () => await AllowanceAs(Caller.Service("claims")).ApproveCaseAsync(new CaseDecisionRequest { CaseId = Guid.NewGuid().ToString() })),
            ("pose as an unknown service", async () => await new EnrollmentClient(_platform.EnrollmentHost.Channel(Caller.Service("claimz"))).CheckEligibilityAsync(new CheckEligibilityRequest { IdNumber = TestData.IdNumber(), Benefit = Benefit.Allowance, EventDate = Date(Today) })),
        })
            attacks.Add(new($"a service credential tries to {name}", async () =>
            {
                try { await call(); return "allowed"; }
                catch (RpcException e) { return e.StatusCode == StatusCode.PermissionDenied ? null : $"answered {e.StatusCode}, not PermissionDenied"; }
            }));

        // 11. Reads are audited; the audit log cannot be undone through the service's own connection.
        attacks.Add(new("pre-settle any ID number without a trace in the audit log", async () =>
        {
            var person = await _platform.EligibleMotherAsync();
            await ClaimsAs(Rogue).PreSettleAsync(Birth(person, Rogue));
            return await CountAsync("claimsdb", "SELECT count(*) FROM audit_log WHERE action = 'PreSettle' AND subject = $1 AND caller_id = $2", person, Rogue) == 1
                ? null : "no audit entry";
        }));
        foreach (var sql in new[] { "DELETE FROM audit_log", "UPDATE audit_log SET subject = 'x'", "TRUNCATE audit_log", "ALTER TABLE audit_log DISABLE TRIGGER ALL", "DROP TABLE audit_log" })
            attacks.Add(new($"through Claims' own database connection: {sql}", async () =>
            {
                var dataSource = (NpgsqlDataSource)_platform.ClaimsHost.Services.GetService(typeof(NpgsqlDataSource))!;
                await using var command = dataSource.CreateCommand(sql);
                try { await command.ExecuteNonQueryAsync(); return "it ran"; }
                catch (PostgresException) { return null; }
            }));

        var failures = new List<string>();
        foreach (var attack in attacks)
        {
            string? outcome;
            try { outcome = await attack.Try(); }
            catch (Exception e) { outcome = $"the attack itself broke: {e.GetType().Name}: {e.Message}"; }
            Say($"{(outcome is null ? "refused  " : "SUCCEEDED")} {attack.Name}{(outcome is null ? "" : ": " + outcome)}");
            if (outcome is not null) failures.Add($"{attack.Name}: {outcome}");
        }
        Say($"{attacks.Count} attacks tried, {failures.Count} succeeded");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }


    private void Say(string line)
    {
        output.WriteLine("[attacks] " + line);
        Console.WriteLine("[attacks] " + line);
    }
}
