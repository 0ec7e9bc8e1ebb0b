using Google.Rpc;
using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.Tests.Infrastructure;
using NotificationsClient = MaternityCloud.Contracts.Notifications.V1.Notifications.NotificationsClient;
using GetRecipientRequest = MaternityCloud.Contracts.Notifications.V1.GetRecipientRequest;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The first slice end to end, in process, on the real servers: Enrollment over gRPC, its event through the outbox and
/// RabbitMQ, and Notifications recording it.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class EnrollmentSliceTests(TestServers servers) : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);
    private ServiceHost<EnrollmentGrpcService> _enrollmentHost = null!;
    private ServiceHost<NotificationsGrpcService> _notificationsHost = null!;
    private EnrollmentClient _enrollment = null!;
    private NotificationsClient _notifications = null!;
    private Isolation _isolation = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("slice", "enrollmentdb", "notificationsdb");
        _enrollmentHost = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _notificationsHost = new ServiceHost<NotificationsGrpcService>(_isolation);
        _enrollment = new EnrollmentClient(_enrollmentHost.Channel());
        _notifications = new NotificationsClient(_notificationsHost.Channel());
    }

    public async Task DisposeAsync()
    {
        await _enrollmentHost.DisposeAsync();
        await _notificationsHost.DisposeAsync();
    }

    private async Task<Employer> RegisterEmployerAsync() =>
        await _enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(),
            Name = "福州市鼓楼区示例科技有限公司",
            CorporateAccount = new BankAccount { BankName = "中国工商银行福州分行", AccountNumber = "1402023109600012345", AccountName = "福州市鼓楼区示例科技有限公司" },
        });

    private static RegisterInsuredPersonRequest Employee(string employerCode, string? phone = null) => new()
    {
        IdNumber = TestData.IdNumber(),
        Name = "林晓梅",
        Kind = InsuredKind.Employee,
        EmployerCreditCode = employerCode,
        InsuredFrom = "2024-03-01",
        MobilePhone = phone ?? TestData.MobilePhone(),
        Region = "330300",
    };

    [Fact]
    public async Task A_registered_employee_can_be_read_back_and_reaches_notifications_once()
    {
        var employer = await RegisterEmployerAsync();
        var request = Employee(employer.CreditCode);

        var registered = await _enrollment.RegisterInsuredPersonAsync(request);

        var byId = await _enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { PersonId = registered.PersonId });
        var byIdNumber = await _enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = request.IdNumber });
        Assert.Equal(registered, byId);
        Assert.Equal(registered, byIdNumber);
        Assert.Equal(request.IdNumber, byId.IdNumber);
        Assert.Equal("林晓梅", byId.Name);
        Assert.Equal(InsuredKind.Employee, byId.Kind);
        Assert.Equal(employer.CreditCode, byId.EmployerCreditCode);
        Assert.Equal("2024-03-01", byId.InsuredFrom);

        var recipient = await Eventually.Get(async () =>
            await _notifications.GetRecipientAsync(new GetRecipientRequest { PersonId = registered.PersonId }),
            EventTimeout, "Notifications to record the person");
        Assert.Equal("林晓梅", recipient.Name);
        Assert.Equal("Employee", recipient.Kind);
        Assert.Equal(request.MobilePhone[..3] + "****" + request.MobilePhone[7..], recipient.MaskedMobilePhone);
        var received = Assert.Single(recipient.Events);
        Assert.Equal("InsuredPersonRegistered", received.EventType);

        // The outbox row was published and marked; nothing is left waiting.
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL"));
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message"));
    }

    [Fact]
    public async Task Repeating_a_registration_returns_the_same_person_and_publishes_nothing_new()
    {
        var employer = await RegisterEmployerAsync();
        var request = Employee(employer.CreditCode);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _enrollment.RegisterInsuredPersonAsync(request).ResponseAsync));

        Assert.Single(results.Select(r => r.PersonId).Distinct());
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM insured_person"));
        Assert.Equal(1L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message"));
        var again = await _enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = employer.CreditCode, Name = employer.Name, CorporateAccount = employer.CorporateAccount,
        });
        Assert.Equal(employer.RegisteredAt, again.RegisteredAt);
    }

    [Fact]
    public async Task A_different_person_under_a_used_id_number_is_refused_as_already_existing()
    {
        var employer = await RegisterEmployerAsync();
        var request = Employee(employer.CreditCode);
        await _enrollment.RegisterInsuredPersonAsync(request);

        var changed = request.Clone();
        changed.Name = "林晓兰";
        var error = await Assert.ThrowsAsync<RpcException>(() => _enrollment.RegisterInsuredPersonAsync(changed).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.DoesNotContain(request.IdNumber, error.Status.Detail); // the message masks the ID number
        var stored = await _enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = request.IdNumber });
        Assert.Equal("林晓梅", stored.Name);
    }

    [Fact]
    public async Task Bad_input_names_every_bad_field_and_writes_nothing()
    {
        var employer = await RegisterEmployerAsync();
        var request = Employee(employer.CreditCode, phone: "1391234567");
        request.IdNumber = request.IdNumber[..17] + (request.IdNumber[17] == '0' ? '1' : '0'); // broken check digit
        request.InsuredFrom = "2024-02-30";
        request.Region = "";

        var error = await Assert.ThrowsAsync<RpcException>(() => _enrollment.RegisterInsuredPersonAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var badRequest = error.GetRpcStatus()!.GetDetail<BadRequest>();
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["id_number"] = "the check character does not match (ISO 7064 MOD 11-2)",
                ["insured_from"] = "must be a date in the form yyyy-MM-dd",
                ["mobile_phone"] = "must be an 11-digit mainland mobile number",
                ["region"] = "is required (a 6-digit pooling region code)",
            },
            badRequest.FieldViolations.ToDictionary(v => v.Field, v => v.Description));
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM insured_person"));
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message"));
    }

    [Fact]
    public async Task An_employee_of_an_unregistered_employer_is_refused_by_the_rule_that_says_so()
    {
        var request = Employee(TestData.CreditCode());

        var error = await Assert.ThrowsAsync<RpcException>(() => _enrollment.RegisterInsuredPersonAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations);
        Assert.Equal("employer-registered", violation.Type);
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM insured_person"));
    }

    [Fact]
    public async Task Unknown_people_and_employers_are_not_found()
    {
        var person = await Assert.ThrowsAsync<RpcException>(() =>
            _enrollment.GetInsuredPersonAsync(new GetInsuredPersonRequest { IdNumber = TestData.IdNumber() }).ResponseAsync);
        var employer = await Assert.ThrowsAsync<RpcException>(() =>
            _enrollment.GetEmployerAsync(new GetEmployerRequest { CreditCode = TestData.CreditCode() }).ResponseAsync);
        var kindless = await Assert.ThrowsAsync<RpcException>(() =>
            _enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
            {
                Region = "330300", IdNumber = TestData.IdNumber(), Name = "陈静", Kind = (InsuredKind)42, InsuredFrom = "2024-01-01",
            }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, person.StatusCode);
        Assert.Equal(StatusCode.NotFound, employer.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, kindless.StatusCode);
        Assert.Equal("kind", Assert.Single(kindless.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }
}
