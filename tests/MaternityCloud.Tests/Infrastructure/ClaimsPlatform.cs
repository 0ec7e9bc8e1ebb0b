using System.Globalization;
using MaternityCloud.Allowance.Grpc;
using MaternityCloud.Claims.Grpc;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Prenatal.Grpc;
using Microsoft.Extensions.DependencyInjection;
using AllowanceClient = MaternityCloud.Contracts.Allowance.V1.Allowance.AllowanceClient;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using PrenatalClient = MaternityCloud.Contracts.Prenatal.V1.Prenatal.PrenatalClient;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// Claims with the two services it calls (Enrollment for eligibility, Prenatal for registrations), each in process on
/// its own database of the real servers, sharing one virtual host so their events flow as in the platform.
/// </summary>
public sealed class ClaimsPlatform : IAsyncDisposable
{
    public static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);

    private ClaimsPlatform(Isolation isolation, ServiceHost<EnrollmentGrpcService> enrollment, ServiceHost<PrenatalGrpcService> prenatal,
        ServiceHost<ClaimsGrpcService> claims, ServiceHost<AllowanceGrpcService>? allowance)
    {
        AllowanceHost = allowance;
        Allowance = allowance is null ? null! : new AllowanceClient(allowance.Channel());
        Isolation = isolation;
        EnrollmentHost = enrollment;
        PrenatalHost = prenatal;
        ClaimsHost = claims;
        Enrollment = new EnrollmentClient(enrollment.Channel());
        Prenatal = new PrenatalClient(prenatal.Channel());
        Claims = new ClaimsClient(claims.Channel());
    }

    public Isolation Isolation { get; }
    public ServiceHost<EnrollmentGrpcService> EnrollmentHost { get; }
    public ServiceHost<PrenatalGrpcService> PrenatalHost { get; }
    public ServiceHost<ClaimsGrpcService> ClaimsHost { get; }
    public EnrollmentClient Enrollment { get; }
    public PrenatalClient Prenatal { get; }
    public ClaimsClient Claims { get; }
    /// <summary>Allowance, consuming Claims' events, when the platform was started with it.</summary>
    public ServiceHost<AllowanceGrpcService>? AllowanceHost { get; }
    public AllowanceClient Allowance { get; }

    public static async Task<ClaimsPlatform> StartAsync(TestServers servers, string testName, IReadOnlyDictionary<string, string>? claimsSettings = null,
        bool withAllowance = false)
    {
        string[] databases = withAllowance ? ["enrollmentdb", "prenataldb", "claimsdb", "allowancedb"] : ["enrollmentdb", "prenataldb", "claimsdb"];
        var isolation = await servers.CreateIsolationAsync(testName, databases);
        var enrollment = new ServiceHost<EnrollmentGrpcService>(isolation);
        var prenatal = new ServiceHost<PrenatalGrpcService>(isolation, new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost" },
            ServiceHost<PrenatalGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(enrollment));
        var settings = new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost", ["services:prenatal:grpc:0"] = "http://localhost" };
        foreach (var (key, value) in claimsSettings ?? new Dictionary<string, string>()) settings[key] = value;
        var claims = new ServiceHost<ClaimsGrpcService>(isolation, settings,
            services =>
            {
                ServiceHost<ClaimsGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(enrollment)(services);
                ServiceHost<ClaimsGrpcService>.Calls<PrenatalClient, PrenatalGrpcService>(prenatal)(services);
            });
        _ = claims.Server; // start Claims now, so its queues exist before anyone publishes
        ServiceHost<AllowanceGrpcService>? allowance = null;
        if (withAllowance)
        {
            allowance = new ServiceHost<AllowanceGrpcService>(isolation,
                new Dictionary<string, string> { ["services:enrollment:grpc:0"] = "http://localhost", ["Allowance:DailyBatchAt"] = "" },
                ServiceHost<AllowanceGrpcService>.Calls<EnrollmentClient, EnrollmentGrpcService>(enrollment));
            _ = allowance.Server;
        }
        return new ClaimsPlatform(isolation, enrollment, prenatal, claims, allowance);
    }

    /// <summary>An employee with contributions paid in full and on time for the <paramref name="months"/> months before today.</summary>
    public async Task<string> EligibleEmployeeAsync(int months = 24, string? idNumber = null, string region = "330300")
    {
        var employer = await Enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(), Name = "温州市鹿城区示例服饰有限公司",
            CorporateAccount = new BankAccount { BankName = "中国农业银行温州分行", AccountNumber = "19200101040012345", AccountName = "温州市鹿城区示例服饰有限公司" },
        });
        var person = await Enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = region, IdNumber = idNumber ?? TestData.IdNumber(), Name = "陈丽娟", Kind = InsuredKind.Employee, EmployerCreditCode = employer.CreditCode,
            InsuredFrom = Date(Today.AddYears(-3)),
        });
        await Enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person.IdNumber, months, Today, employer: employer.CreditCode));
        return person.IdNumber;
    }

    /// <summary>An eligible employee whose employer's average wage of last year is known, so a childbirth's allowance is payable.</summary>
    public async Task<string> EligibleMotherAsync(string region = "330300")
    {
        var person = await EligibleEmployeeAsync(region: region);
        var insured = await Enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = person });
        await Enrollment.SetEmployerWageAsync(new SetEmployerWageRequest
        {
            CreditCode = insured.EmployerCreditCode, Year = Today.Year - 1, AverageMonthlyWage = "9000.00",
        });
        return person;
    }

    /// <summary>A pregnancy of 10 weeks registered at a hospital's service station.</summary>
    public static Contracts.Prenatal.V1.RegisterPregnancyRequest Pregnancy(string idNumber, string hospital) => new()
    {
        IdNumber = idNumber, PregnancyDate = Date(Today.AddDays(-70)), ExpectedDeliveryDate = Date(Today.AddDays(210)), FetusCount = 1,
        HospitalCode = hospital, Channel = Contracts.Prenatal.V1.Channel.HospitalServiceStation,
    };

    public static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A prenatal check (51/7) in Wenzhou at a Wenzhou hospital, with the given catalog lines (code, amount).</summary>
    public static SettleRequest PrenatalCheck(string idNumber, params (string Code, string Amount)[] lines) =>
        Request(idNumber, "51", "7", "", lines);

    public static SettleRequest Request(string idNumber, string medicalType, string maternityCategory, string familyPlanningCategory,
        params (string Code, string Amount)[] lines)
    {
        var request = new SettleRequest
        {
            InstitutionCode = "H33030200001", RequestId = "HIS-" + Guid.NewGuid().ToString("N")[..16], IdNumber = idNumber, Region = "330300",
            CertificateType = VisitCertificateType.IdCard, CertificateNumber = idNumber, MedicalType = medicalType,
            MaternityCategory = maternityCategory, FamilyPlanningCategory = familyPlanningCategory,
            // One fetus at 12 weeks for a visit that concerns a pregnancy; a family-planning surgery that does not has neither.
            GestationalWeeks = ConcernsPregnancy(maternityCategory, familyPlanningCategory) ? 12 : 0,
            FetusCount = ConcernsPregnancy(maternityCategory, familyPlanningCategory) ? 1 : 0,
            ServiceDate = Date(Today.AddDays(-1)),
        };
        request.Lines.AddRange(lines.Select(l => new FeeLine { ItemCode = l.Code, Quantity = "1", UnitPrice = l.Amount, Amount = l.Amount }));
        request.TotalAmount = lines.Sum(l => decimal.Parse(l.Amount, CultureInfo.InvariantCulture)).ToString("0.00", CultureInfo.InvariantCulture);
        return request;
    }

    private static bool ConcernsPregnancy(string maternityCategory, string familyPlanningCategory) =>
        maternityCategory.Length > 0 || familyPlanningCategory is "3" or "4";

    public async ValueTask DisposeAsync()
    {
        if (AllowanceHost is not null) await AllowanceHost.DisposeAsync();
        await ClaimsHost.DisposeAsync();
        await PrenatalHost.DisposeAsync();
        await EnrollmentHost.DisposeAsync();
    }
}
