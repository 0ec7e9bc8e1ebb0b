using MaternityCloud.Hosting.Testing;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Notifications.Grpc;
using MaternityCloud.Tests.Infrastructure;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;
using NotificationsClient = MaternityCloud.Contracts.Notifications.V1.Notifications.NotificationsClient;
using GetRecipientRequest = MaternityCloud.Contracts.Notifications.V1.GetRecipientRequest;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// A registration committed while RabbitMQ is down is not lost: the relay keeps its outbox row, retries with backoff,
/// and publishes it once the broker is back; Notifications then records it once. Uses a broker of its own,
/// stopped and started again by Aspire's resource commands (same state folder and ports, as a real restart), so the
/// shared broker stays up for other tests.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class OutboxBrokerRestartTests(TestServers servers)
{
    private readonly string _brokerState = Path.Combine(Path.GetTempPath(), "maternitycloud-broker-" + Guid.NewGuid().ToString("N")[..8]);
    [Fact]
    public async Task An_event_committed_while_the_broker_is_down_arrives_after_it_comes_back()
    {
        var broker = await RunningPlatform.StartServersAsync(_brokerState, Servers.Messaging);
        var shared = await servers.CreateIsolationAsync("outbox", "enrollmentdb", "notificationsdb");
        var isolation = shared with
        {
            ConnectionStrings = new Dictionary<string, string>(shared.ConnectionStrings) { ["messaging"] = (await broker.ConnectionStringAsync("messaging"))! },
        };
        await using var enrollmentHost = new ServiceHost<EnrollmentGrpcService>(isolation);
        await using var notificationsHost = new ServiceHost<NotificationsGrpcService>(isolation);
        var enrollment = new EnrollmentClient(enrollmentHost.Channel());
        var notifications = new NotificationsClient(notificationsHost.Channel());
        try
        {
            var employer = await enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
            {
                CreditCode = TestData.CreditCode(), Name = "福州示例贸易有限公司",
                CorporateAccount = new BankAccount { BankName = "中国银行福州分行", AccountNumber = "407360000000123", AccountName = "福州示例贸易有限公司" },
            });

            await broker.StopResourceAsync("messaging");
            var person = await enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
            {
                Region = "330300", IdNumber = TestData.IdNumber(), Name = "郑雨欣", Kind = InsuredKind.Employee,
                EmployerCreditCode = employer.CreditCode, InsuredFrom = "2025-01-01", MobilePhone = TestData.MobilePhone(),
            });

            // The relay has tried, failed, and kept the row (with the reason) instead of dropping it.
            await Eventually.True(async () => await isolation.CountAsync("enrollmentdb",
                    "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL AND attempts > 0 AND last_error IS NOT NULL") == 1,
                TimeSpan.FromSeconds(30), "a failed publish attempt recorded on the outbox row");

            await broker.StartResourceAsync("messaging");

            var recipient = await Eventually.Get(async () =>
                    await notifications.GetRecipientAsync(new GetRecipientRequest { PersonId = person.PersonId }),
                TimeSpan.FromSeconds(60), "the event to arrive after the broker came back");
            Assert.Single(recipient.Events);
            Assert.Equal(0L, await isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL"));
        }
        finally
        {
            await broker.DisposeAsync();
            try { Directory.Delete(_brokerState, recursive: true); } catch (IOException) { }
        }
    }
}
