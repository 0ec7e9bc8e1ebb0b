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
/// Facts from other departments arriving through the department exchange (civil affairs' marriages, the health
/// commission's births) and what Enrollment does with them: spouse filings verified against the marriage record, newborn
/// reminders and enrolment.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class SpouseAndNewbornTests(TestServers servers) : IAsyncLifetime
{
    private const string Wenzhou = "330300";
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);
    private ServiceHost<EnrollmentGrpcService> _host = null!;
    private EnrollmentClient _enrollment = null!;
    private Isolation _isolation = null!;
    private DepartmentExchangeClient _civilAffairs = null!;
    private DepartmentExchangeClient _healthCommission = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("departments", "enrollmentdb");
        _host = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _enrollment = new EnrollmentClient(_host.Channel());
        _civilAffairs = new DepartmentExchangeClient(_host.Channel(Departments.CivilAffairs));
        _healthCommission = new DepartmentExchangeClient(_host.Channel(Departments.HealthCommission));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<InsuredPerson> MaleEmployeeWithContributionsAsync()
    {
        var employer = await _enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(), Name = "温州市示例机械有限公司",
            CorporateAccount = new BankAccount { BankName = "中国银行温州分行", AccountNumber = "35680123456789", AccountName = "温州市示例机械有限公司" },
        });
        var husband = await _enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = "330300", IdNumber = TestData.IdNumber(male: true), Name = "张伟", Kind = InsuredKind.Employee, EmployerCreditCode = employer.CreditCode, InsuredFrom = "2018-03-01",
        });
        Assert.Equal(12, (await _enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(husband.IdNumber, 12, Today))).Stored);
        return husband;
    }

    private Task<EligibilityDecision> CheckAsync(string idNumber, Benefit benefit) =>
        _enrollment.CheckEligibilityAsync(new CheckEligibilityRequest { IdNumber = idNumber, Benefit = benefit, EventDate = Date(Today), Region = Wenzhou }).ResponseAsync;

    [Fact]
    public async Task An_unemployed_wife_filed_against_a_verified_marriage_is_covered_through_her_husband()
    {
        var husband = await MaleEmployeeWithContributionsAsync();
        var wifeId = TestData.IdNumber(male: false);
        const string certificate = "J330302-2021-004517";
        var filing = new FileSpouseRequest
        {
            EmployeeIdNumber = husband.IdNumber, SpouseIdNumber = wifeId, SpouseName = "李娜", MarriageCertificateNumber = certificate,
            InstitutionCode = "H33030200001", // the hospital files; who filed it comes from its credential
        };

        // Before the filing she is not covered, and the answer says why (and is cached).
        var before = await CheckAsync(wifeId, Benefit.MaternityMedical);
        Assert.Equal(["not-insured", "spouse-not-filed"], before.Reasons.Select(r => r.Code));

        // Civil affairs has not reported the marriage yet: the filing is refused by the rule that says so.
        var unverified = await Assert.ThrowsAsync<RpcException>(() => _enrollment.FileSpouseAsync(filing).ResponseAsync);
        Assert.Equal("marriage-verified", Assert.Single(unverified.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);

        await _civilAffairs.RecordMarriageAsync(new MarriageRegistration
        {
            RecordId = "MZ-" + Guid.NewGuid(), CertificateNumber = certificate, HusbandIdNumber = husband.IdNumber, WifeIdNumber = wifeId, RegisteredOn = "2021-05-20",
        });
        var filed = await _enrollment.FileSpouseAsync(filing); // the record is there once the department's call returns
        var repeated = await _enrollment.FileSpouseAsync(filing);

        Assert.Equal(filed.FilingId, repeated.FilingId);
        Assert.Equal(husband.PersonId, filed.EmployeePersonId);
        var medical = await CheckAsync(wifeId, Benefit.MaternityMedical);
        Assert.True(medical.Eligible, string.Join("; ", medical.Reasons.Select(r => r.Message)));
        Assert.True(medical.AsFiledSpouse);
        Assert.Equal(["spouse-medical-only"], (await CheckAsync(wifeId, Benefit.Allowance)).Reasons.Select(r => r.Code));
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE '%SpouseFiled'"));

        // A marriage record that names someone else verifies nothing.
        var other = filing.Clone();
        other.SpouseIdNumber = TestData.IdNumber(male: false);
        var mismatch = await Assert.ThrowsAsync<RpcException>(() => _enrollment.FileSpouseAsync(other).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, mismatch.StatusCode);
        Assert.Contains("names other persons", mismatch.Status.Detail);
    }

    [Fact]
    public async Task A_birth_record_reminds_the_guardian_once_and_the_newborn_is_covered_by_the_regions_waiting_rule()
    {
        await using var reminders = await EventProbe<GuardianReminderDue>.StartAsync(_isolation);
        var birth = Today.AddDays(-120);
        const string certificate = "Q330012345";
        var guardian = TestData.IdNumber(male: false);
        var issued = new BirthCertificate
        {
            RecordId = "WJ-" + Guid.NewGuid(), CertificateNumber = certificate, BirthDate = Date(birth), NewbornName = "张小宝",
            MotherIdNumber = guardian, GuardianIdNumber = guardian, GuardianName = "李娜", GuardianMobilePhone = "13912345678",
        };

        var first = await _healthCommission.RecordBirthCertificateAsync(issued);
        var resent = await _healthCommission.RecordBirthCertificateAsync(issued);           // the department retries
        var again = issued.Clone();
        again.RecordId = "WJ-" + Guid.NewGuid();
        var reported = await _healthCommission.RecordBirthCertificateAsync(again);          // reported twice by the department
        Assert.False(first.Repeated);
        Assert.True(resent.Repeated);
        Assert.Equal(first.ReceivedAt, resent.ReceivedAt);
        Assert.Equal(first.Effects, resent.Effects);
        Assert.Equal(["birth certificate already recorded: nothing changed"], reported.Effects);

        var reminder = await reminders.FirstAsync(r => r.BirthCertificateNumber == certificate, "the guardian reminder");
        Assert.Equal(birth.AddDays(90), reminder.EnrolBefore);
        Assert.Equal("李娜", reminder.GuardianName);
        Assert.Equal(Wenzhou, reminder.Region); // the health commission's region, from its credential
        await Task.Delay(500);
        Assert.Single(reminders.Received);
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE message_type LIKE '%BirthCertificateIssued'"));

        // The same record id with other content is a conflict, and changes nothing.
        var conflicting = issued.Clone();
        conflicting.NewbornName = "张大宝";
        var conflict = await Assert.ThrowsAsync<RpcException>(() => _healthCommission.RecordBirthCertificateAsync(conflicting).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);

        // Enrolled 120 days after birth: later than Wenzhou's 90-day window, so covered from the next month.
        var newborn = await _enrollment.EnrollNewbornAsync(new EnrollNewbornRequest
        {
            BirthCertificateNumber = certificate, Name = "张小宝", BirthDate = Date(birth), GuardianIdNumber = guardian, Region = Wenzhou,
        });
        var nextMonth = new DateOnly(Today.Year, Today.Month, 1).AddMonths(1);
        Assert.Equal("", newborn.IdNumber);
        Assert.Equal(InsuredKind.Resident, newborn.Kind);
        Assert.Equal(Date(nextMonth), Assert.Single(newborn.History).CoveredFrom);
        var decision = await _enrollment.CheckEligibilityAsync(new CheckEligibilityRequest
        {
            PersonId = newborn.PersonId, Benefit = Benefit.MaternityMedical, EventDate = Date(Today), Region = Wenzhou,
        });
        var wait = Assert.Single(decision.Reasons, r => r.Code == "waiting-period");
        Assert.Equal(Date(nextMonth), wait.Until);

        // After household registration the ID number is added; its birth date must be the newborn's.
        var wrong = await Assert.ThrowsAsync<RpcException>(() => _enrollment.UpdateNewbornIdentityAsync(new UpdateNewbornIdentityRequest
        {
            PersonId = newborn.PersonId, IdNumber = TestData.IdNumber(birth.AddDays(1)),
        }).ResponseAsync);
        Assert.Equal("id_number", Assert.Single(wrong.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
        var idNumber = TestData.IdNumber(birth);
        var identified = await _enrollment.UpdateNewbornIdentityAsync(new UpdateNewbornIdentityRequest { PersonId = newborn.PersonId, IdNumber = idNumber });
        Assert.Equal(idNumber, identified.IdNumber);
        Assert.Equal(certificate, identified.BirthCertificateNumber);
        Assert.Equal(newborn.PersonId, (await _enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = idNumber })).PersonId);
        Assert.Equal(newborn.PersonId, (await _enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { BirthCertificateNumber = certificate })).PersonId);
    }

    [Fact]
    public async Task A_newborn_is_enrolled_only_from_the_health_commissions_record_and_on_the_platforms_day()
    {
        var birth = Today.AddDays(-2);
        var guardian = TestData.IdNumber(male: true);
        var request = new EnrollNewbornRequest
        {
            BirthCertificateNumber = "Q330099887", Name = "王一诺", BirthDate = Date(birth), GuardianIdNumber = guardian, Region = Wenzhou,
        };

        // No birth record yet: nothing to enrol from.
        var early = await Assert.ThrowsAsync<RpcException>(() => _enrollment.EnrollNewbornAsync(request).ResponseAsync);
        Assert.Equal("birth-record-required", Assert.Single(early.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations).Type);

        await _healthCommission.RecordBirthCertificateAsync(new BirthCertificate
        {
            RecordId = "WJ-" + Guid.NewGuid(), CertificateNumber = "Q330099887", BirthDate = Date(birth), NewbornName = "王一诺",
            MotherIdNumber = TestData.IdNumber(male: false), GuardianIdNumber = guardian, GuardianName = "王强", Region = Wenzhou,
        });

        // What the request states must agree with the record and the platform's day.
        var backdated = request.Clone();
        backdated.EnrolledOn = Date(birth);
        var otherGuardian = request.Clone();
        otherGuardian.GuardianIdNumber = TestData.IdNumber(male: true);
        var otherDay = request.Clone();
        otherDay.BirthDate = Date(birth.AddDays(-1));
        foreach (var (wrong, field) in new[] { (backdated, "enrolled_on"), (otherGuardian, "guardian_id_number"), (otherDay, "birth_date") })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => _enrollment.EnrollNewbornAsync(wrong).ResponseAsync);
            Assert.Equal(field, Assert.Single(refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
        }
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM insured_person WHERE birth_certificate_number IS NOT NULL"));

        var newborn = await _enrollment.EnrollNewbornAsync(request);
        Assert.Equal(Date(birth), newborn.History[0].CoveredFrom); // within the window: covered from birth
        Assert.Equal(Wenzhou, newborn.Region);
    }
}
