using System.Globalization;
using Google.Rpc;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Tests.Infrastructure;
using DepartmentExchangeClient = MaternityCloud.Contracts.Enrollment.V1.DepartmentExchange.DepartmentExchangeClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The departments' exchange through its public gRPC methods, each department with its own credential: who may send
/// what, idempotency by the department's record id, bad records refused whole, and the statuses that change what
/// eligibility answers (death, retirement, an unemployment benefit, imprisonment, a dissolved marriage, employment),
/// whichever order the records arrive in.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class DepartmentExchangeTests(TestServers servers) : IAsyncLifetime
{
    private const string Wenzhou = "330300";
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);
    private ServiceHost<EnrollmentGrpcService> _host = null!;
    private EnrollmentClient _enrollment = null!;
    private Isolation _isolation = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("exchange", "enrollmentdb");
        _host = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _enrollment = new EnrollmentClient(_host.Channel());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private DepartmentExchangeClient As(Caller department) => new(_host.Channel(department));

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Id() => "R-" + Guid.NewGuid().ToString("N");

    /// <summary>A woman insured as an employee since 2018 with a year of contributions: eligible for both benefits today.</summary>
    private async Task<InsuredPerson> EmployeeAsync(bool male = false, string? idNumber = null)
    {
        var employer = await _enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(), Name = "温州市示例机械有限公司",
            CorporateAccount = new BankAccount { BankName = "中国银行温州分行", AccountNumber = "35680123456789", AccountName = "温州市示例机械有限公司" },
        });
        var person = await _enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = Wenzhou, IdNumber = idNumber ?? TestData.IdNumber(male), Name = male ? "张伟" : "李娜", Kind = InsuredKind.Employee,
            EmployerCreditCode = employer.CreditCode, InsuredFrom = "2018-03-01",
        });
        Assert.Equal(14, (await _enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person.IdNumber, 14, Today))).Stored);
        return person;
    }

    private Task<EligibilityDecision> CheckAsync(string idNumber, Benefit benefit, DateOnly date) =>
        _enrollment.CheckEligibilityAsync(new CheckEligibilityRequest { IdNumber = idNumber, Benefit = benefit, EventDate = Date(date) }).ResponseAsync;

    private static IEnumerable<string> Codes(EligibilityDecision d) => d.Reasons.Select(r => r.Code);

    [Fact]
    public async Task Each_department_sends_only_the_records_it_keeps_and_an_unknown_caller_nothing()
    {
        var death = new DeathRecord { RecordId = Id(), IdNumber = TestData.IdNumber(male: true), DiedOn = Date(Today.AddDays(-3)) };

        foreach (var stranger in new[] { Departments.HealthCommission, Departments.CivilAffairs, TestCredentials.Administrator, Caller.Institution("H33030200001") })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => As(stranger).RecordDeathAsync(death).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => new DepartmentExchangeClient(_host.RawChannel()).RecordDeathAsync(death).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM person_status"));

        // In a batch, the foreign record is refused and the department's own is taken.
        using var batch = As(Departments.HealthCommission).RecordBatch();
        await batch.RequestStream.WriteAsync(new DepartmentRecord { Death = death });
        await batch.RequestStream.CompleteAsync();
        var result = await batch;
        Assert.Equal(0, result.Applied);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal((1, death.RecordId, "record"), (rejected.Position, rejected.RecordId, rejected.Field));
        Assert.Contains("kept by PublicSecurity", rejected.Reason);

        Assert.False((await As(Departments.PublicSecurity).RecordDeathAsync(death)).Repeated);
    }

    [Fact]
    public async Task A_bad_record_is_refused_with_every_bad_field_and_changes_nothing()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => As(Departments.HumanResources).RecordUnemploymentAsync(new UnemploymentRecord
        {
            RecordId = "has space", IdNumber = "330302199001011234", RegisteredOn = Date(Today.AddDays(1)), BenefitFrom = "2026-13-01", BenefitTo = "",
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var fields = refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(f => f.Field).Order();
        Assert.Equal(["benefit_from", "id_number", "record_id", "registered_on"], fields);

        var birth = await Assert.ThrowsAsync<RpcException>(() => As(Departments.HealthCommission).RecordBirthCertificateAsync(new BirthCertificate
        {
            RecordId = Id(), CertificateNumber = "Q330000001", BirthDate = Date(Today), NewbornName = "王小明", MotherIdNumber = TestData.IdNumber(male: false),
            GuardianIdNumber = TestData.IdNumber(male: true), GuardianName = "王强", Region = "420281", // another department's region
        }).ResponseAsync);
        Assert.Equal("region", Assert.Single(birth.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);

        foreach (var table in new[] { "department_record", "labour_record", "person_status", "birth_record", "audit_log" })
            Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", $"SELECT count(*) FROM {table} WHERE true"
                + (table == "audit_log" ? " AND action LIKE 'Record%'" : "")));
    }

    [Fact]
    public async Task A_death_ends_benefits_after_its_day_whether_it_arrives_before_or_after_the_person_is_insured()
    {
        var died = Today.AddDays(-10);
        // Reported before the person is insured here: kept by ID number, and it applies once she is.
        var early = TestData.IdNumber(male: false);
        var receipt = await As(Departments.PublicSecurity).RecordDeathAsync(new DeathRecord { RecordId = Id(), IdNumber = early, DiedOn = Date(died) });
        Assert.Contains("not insured here yet", Assert.Single(receipt.Effects));
        await EmployeeAsync(idNumber: early);

        // Reported after: the answer cached before the record changes at once.
        var late = await EmployeeAsync();
        Assert.True((await CheckAsync(late.IdNumber, Benefit.Allowance, Today.AddDays(-1))).Eligible);
        await As(Departments.PublicSecurity).RecordDeathAsync(new DeathRecord { RecordId = Id(), IdNumber = late.IdNumber, DiedOn = Date(died) });

        foreach (var id in new[] { early, late.IdNumber })
        {
            var after = await CheckAsync(id, Benefit.Allowance, Today.AddDays(-1));
            Assert.False(after.Eligible);
            Assert.Equal(["deceased"], Codes(after));
            Assert.Contains(Date(died), after.Reasons[0].Message);
            // The day of death itself and before are still covered (a birth on that day is paid to the employer).
            Assert.True((await CheckAsync(id, Benefit.Allowance, died)).Eligible);
        }
        Assert.Equal(2L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE '%InsuredPersonDied'"));
    }

    [Fact]
    public async Task Retirement_and_an_unemployment_benefit_change_the_kind_and_imprisonment_suspends_by_the_regions_rules()
    {
        var retiree = await EmployeeAsync();
        var retired = Today.AddDays(-20);
        await As(Departments.HumanResources).RecordRetirementAsync(new RetirementRecord { RecordId = Id(), IdNumber = retiree.IdNumber, RetiredOn = Date(retired) });
        var asRetiree = await CheckAsync(retiree.IdNumber, Benefit.Allowance, Today.AddDays(-1));
        Assert.Equal(InsuredKind.Retiree, asRetiree.Kind);
        Assert.Contains("kind-not-covered", Codes(asRetiree)); // Wenzhou covers no retiree's maternity costs
        Assert.Equal(InsuredKind.Employee, (await CheckAsync(retiree.IdNumber, Benefit.Allowance, retired.AddDays(-1))).Kind);

        var unemployed = await EmployeeAsync();
        var benefitFrom = Today.AddDays(-40);
        await As(Departments.HumanResources).RecordUnemploymentAsync(new UnemploymentRecord
        {
            RecordId = Id(), IdNumber = unemployed.IdNumber, RegisteredOn = Date(benefitFrom.AddDays(-5)), BenefitFrom = Date(benefitFrom), BenefitTo = Date(Today.AddDays(-10)),
        });
        var during = await CheckAsync(unemployed.IdNumber, Benefit.Allowance, Today.AddDays(-15));
        Assert.Equal(InsuredKind.UnemploymentBenefitRecipient, during.Kind);
        Assert.Equal(["excluded-kind"], Codes(during)); // medical costs covered, no allowance in Wenzhou
        Assert.True((await CheckAsync(unemployed.IdNumber, Benefit.MaternityMedical, Today.AddDays(-15))).Eligible);
        Assert.Equal(InsuredKind.Employee, (await CheckAsync(unemployed.IdNumber, Benefit.Allowance, Today.AddDays(-5))).Kind);

        var prisoner = await EmployeeAsync();
        await As(Departments.Justice).RecordImprisonmentAsync(new ImprisonmentRecord
        {
            RecordId = Id(), IdNumber = prisoner.IdNumber, ImprisonedFrom = Date(Today.AddDays(-30)), ImprisonedTo = Date(Today.AddDays(300)),
        });
        var imprisoned = await CheckAsync(prisoner.IdNumber, Benefit.MaternityMedical, Today.AddDays(-1));
        var reason = Assert.Single(imprisoned.Reasons);
        Assert.Equal(("imprisoned", Date(Today.AddDays(301))), (reason.Code, reason.Until));
        Assert.True((await CheckAsync(prisoner.IdNumber, Benefit.MaternityMedical, Today.AddDays(-31))).Eligible);
    }

    [Fact]
    public async Task A_dissolution_ends_the_spouse_filing_whichever_arrives_first_and_an_employed_spouse_is_not_filed()
    {
        var civil = As(Departments.CivilAffairs);
        var husband = await EmployeeAsync(male: true);
        var wife = TestData.IdNumber(male: false);
        var filing = new FileSpouseRequest
        {
            EmployeeIdNumber = husband.IdNumber, SpouseIdNumber = wife, SpouseName = "李娜", MarriageCertificateNumber = "J330302-2020-000001", InstitutionCode = "H33030200001",
        };
        await civil.RecordMarriageAsync(new MarriageRegistration
        {
            RecordId = Id(), CertificateNumber = filing.MarriageCertificateNumber, HusbandIdNumber = husband.IdNumber, WifeIdNumber = wife, RegisteredOn = "2020-05-20",
        });

        // Human resources says she is employed: not an unemployed spouse. Her unemployment registration since changes that.
        var hr = As(Departments.HumanResources);
        await hr.RecordEmploymentAsync(new EmploymentRecord { RecordId = Id(), IdNumber = wife, EmployerCreditCode = TestData.CreditCode(), EmployedFrom = "2022-01-01" });
        var employed = await Assert.ThrowsAsync<RpcException>(() => _enrollment.FileSpouseAsync(filing).ResponseAsync);
        Assert.Equal("spouse-unemployed", Assert.Single(employed.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);
        await hr.RecordUnemploymentAsync(new UnemploymentRecord { RecordId = Id(), IdNumber = wife, RegisteredOn = Date(Today.AddDays(-60)) });
        await _enrollment.FileSpouseAsync(filing);

        var dissolved = Today.AddDays(-5);
        Assert.True((await CheckAsync(wife, Benefit.MaternityMedical, Today.AddDays(-1))).Eligible);
        var receipt = await civil.RecordMarriageDissolutionAsync(new MarriageDissolution { RecordId = Id(), CertificateNumber = filing.MarriageCertificateNumber, DissolvedOn = Date(dissolved) });
        Assert.Contains("not covered after that day", Assert.Single(receipt.Effects));
        Assert.Equal(["marriage-dissolved"], Codes(await CheckAsync(wife, Benefit.MaternityMedical, Today.AddDays(-1))));
        Assert.True((await CheckAsync(wife, Benefit.MaternityMedical, dissolved)).Eligible);

        // A dissolution that arrives before its marriage is kept; the marriage then cannot be filed against.
        var husband2 = await EmployeeAsync(male: true);
        var wife2 = TestData.IdNumber(male: false);
        await civil.RecordMarriageDissolutionAsync(new MarriageDissolution { RecordId = Id(), CertificateNumber = "J330302-2019-000002", DissolvedOn = Date(dissolved) });
        await civil.RecordMarriageAsync(new MarriageRegistration
        {
            RecordId = Id(), CertificateNumber = "J330302-2019-000002", HusbandIdNumber = husband2.IdNumber, WifeIdNumber = wife2, RegisteredOn = "2019-01-02",
        });
        var late = filing.Clone();
        (late.EmployeeIdNumber, late.SpouseIdNumber, late.MarriageCertificateNumber) = (husband2.IdNumber, wife2, "J330302-2019-000002");
        var refused = await Assert.ThrowsAsync<RpcException>(() => _enrollment.FileSpouseAsync(late).ResponseAsync);
        Assert.Contains("dissolution", refused.Status.Detail);
    }

    [Fact]
    public async Task An_enrolment_drive_lists_the_unenrolled_newborns_by_street_and_reminds_their_guardians_once_a_day()
    {
        var births = As(Departments.HealthCommission);
        async Task<string> BirthAsync(int daysAgo, string street)
        {
            var certificate = "Q33" + Random.Shared.Next(1000000, 9999999);
            await births.RecordBirthCertificateAsync(new BirthCertificate
            {
                RecordId = Id(), CertificateNumber = certificate, BirthDate = Date(Today.AddDays(-daysAgo)), NewbornName = "王小" + daysAgo,
                MotherIdNumber = TestData.IdNumber(male: false), GuardianIdNumber = TestData.IdNumber(male: true), GuardianName = "王强", GuardianMobilePhone = "13912345678",
                Street = street,
            });
            return certificate;
        }
        var enrolled = await BirthAsync(45, "五马街道");
        await BirthAsync(40, "五马街道");
        await BirthAsync(10, "五马街道"); // too recent for a 30-day drive
        await BirthAsync(50, "南汇街道");
        var enrolledBirth = await _isolation.SqlAsync("enrollmentdb", "SELECT guardian_id_number FROM birth_record WHERE certificate_number = $1", enrolled);
        await _enrollment.EnrollNewbornAsync(new EnrollNewbornRequest
        {
            BirthCertificateNumber = enrolled, Name = "王小45", BirthDate = Date(Today.AddDays(-45)), GuardianIdNumber = (string)enrolledBirth!,
        });

        var all = (await _enrollment.ListUnenrolledNewbornsAsync(new ListUnenrolledNewbornsRequest { Region = Wenzhou, DaysSinceBirth = 30 })).Newborns;
        Assert.Equal([("五马街道", 40), ("南汇街道", 50)], all.Select(n => (n.Street, n.DaysSinceBirth)).OrderBy(n => n.Item2));
        Assert.All(all, n => Assert.Equal("139****5678", n.GuardianMobilePhone));
        Assert.All(all, n => Assert.DoesNotMatch("^Q33[0-9]{7}$", n.BirthCertificateNumber)); // masked
        Assert.Single((await _enrollment.ListUnenrolledNewbornsAsync(new ListUnenrolledNewbornsRequest { Region = Wenzhou, Street = "五马街道", DaysSinceBirth = 30 })).Newborns);

        var before = await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE '%GuardianReminderDue'");
        var drive = await _enrollment.RemindUnenrolledGuardiansAsync(new RemindUnenrolledGuardiansRequest { Region = Wenzhou, DaysSinceBirth = 30 });
        var again = await _enrollment.RemindUnenrolledGuardiansAsync(new RemindUnenrolledGuardiansRequest { Region = Wenzhou, DaysSinceBirth = 30 });
        Assert.Equal((2, false), (drive.Reminded, drive.Repeated));
        Assert.Equal((2, true, drive.Round), (again.Reminded, again.Repeated, again.Round));
        Assert.Equal(before + 2, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE '%GuardianReminderDue'"));
        Assert.All((await _enrollment.ListUnenrolledNewbornsAsync(new ListUnenrolledNewbornsRequest { Region = Wenzhou, DaysSinceBirth = 30 })).Newborns,
            n => Assert.Equal(1, n.DriveReminders));

        var bad = await Assert.ThrowsAsync<RpcException>(() => _enrollment.ListUnenrolledNewbornsAsync(new ListUnenrolledNewbornsRequest { Region = "999999", DaysSinceBirth = -1 }).ResponseAsync);
        Assert.Equal(["days_since_birth", "region"], bad.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(f => f.Field).Order());
    }

    [Fact]
    public async Task A_record_sent_again_or_concurrently_takes_effect_once_and_every_record_is_audited()
    {
        var person = await EmployeeAsync();
        var retirement = new RetirementRecord { RecordId = Id(), IdNumber = person.IdNumber, RetiredOn = Date(Today.AddDays(-2)) };
        var hr = As(Departments.HumanResources);
        var receipts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => hr.RecordRetirementAsync(retirement).ResponseAsync));
        Assert.Single(receipts, r => !r.Repeated);
        Assert.Single(receipts.Select(r => r.ReceivedAt).Distinct());
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM person_status"));

        var changed = retirement.Clone();
        changed.RetiredOn = Date(Today.AddDays(-3));
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => hr.RecordRetirementAsync(changed).ResponseAsync)).StatusCode);

        // A batch: a good record, a repeat, a bad one; each good record is audited about its own person.
        var other = TestData.IdNumber(male: true);
        using var batch = hr.RecordBatch();
        await batch.RequestStream.WriteAsync(new DepartmentRecord { Employment = new EmploymentRecord { RecordId = Id(), IdNumber = other, EmployerCreditCode = TestData.CreditCode(), EmployedFrom = "2024-02-01" } });
        await batch.RequestStream.WriteAsync(new DepartmentRecord { Retirement = retirement });
        await batch.RequestStream.WriteAsync(new DepartmentRecord { Retirement = new RetirementRecord { RecordId = Id(), IdNumber = other, RetiredOn = "yesterday" } });
        await batch.RequestStream.WriteAsync(new DepartmentRecord());
        await batch.RequestStream.CompleteAsync();
        var result = await batch;
        Assert.Equal((4, 1, 1), (result.Received, result.Applied, result.Repeated));
        Assert.Equal([(3, "retired_on"), (4, "record")], result.Rejected.Select(r => (r.Position, r.Field)));

        // Every call that was answered is in the audit log, the repeats too; the refused conflict left nothing.
        Assert.Equal(8L, await _isolation.CountAsync("enrollmentdb",
            "SELECT count(*) FROM audit_log WHERE action = 'RecordRetirement' AND subject = $1 AND caller_id = 'RS330300' AND role = 'HumanResources'", person.IdNumber));
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb",
            "SELECT count(*) FROM audit_log WHERE action = 'RecordBatch' AND subject = $1", other));
    }
}
