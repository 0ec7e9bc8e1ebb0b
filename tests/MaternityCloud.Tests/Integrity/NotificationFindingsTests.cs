using MaternityCloud.Contracts.Events;
using MaternityCloud.Contracts.Notifications.V1;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Integrity;

/// <summary>Issue 18's findings about reminders (14, 15), on the real servers with the local gateway in process.</summary>
[Collection(ServersCollection.Name)]
public sealed class NotificationFindingsTests(TestServers servers) : IAsyncLifetime
{
    private static readonly DateOnly Born = new(2026, 9, 20);
    private NotificationsPlatform _p = null!;

    public async Task InitializeAsync() => _p = await NotificationsPlatform.StartAsync(servers, "notice-findings");

    public async Task DisposeAsync() => await _p.DisposeAsync();

    // Allowance approves, then (its settlement reversed) cancels: the approval happened first, whatever order they arrive in.
    private static AllowanceApproved Approved(string idNumber, Guid caseId) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(-1), caseId, idNumber, TestData.CreditCode(), "Childbirth", Born, 128, 287.67m,
            36821.33m, new DateOnly(2026, 10, 19), "330300");

    private static AllowanceCancelled Cancelled(string idNumber, Guid caseId) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, caseId, idNumber, "settlement reversed: wrong patient", "330300");

    private Task ConsumedAsync(int events) => Eventually.True(async () =>
        await _p.Isolation.CountAsync("notificationsdb", "SELECT count(*) FROM inbox_message WHERE message_type LIKE '%Allowance%'") >= events,
        TimeSpan.FromSeconds(20), $"{events} allowance events consumed");

    // 14. A withdrawal that arrives before the approval it withdraws: the approval is never announced.
    [Fact]
    public async Task F14_an_allowance_cancelled_before_its_approval_arrives_is_never_announced()
    {
        var (first, firstPhone) = await _p.InsuredAsync();
        var (second, secondPhone) = await _p.InsuredAsync();
        var inOrder = Guid.NewGuid();
        var together = Guid.NewGuid();

        await _p.PublishAsync(Cancelled(first, inOrder));
        await ConsumedAsync(1);
        await _p.PublishAsync(Approved(first, inOrder));
        await Task.WhenAll(_p.PublishAsync(Cancelled(second, together)), _p.PublishAsync(Approved(second, together)));
        await ConsumedAsync(4);
        await Task.Delay(500); // the dispatcher's turn, had anything been queued

        // Withdrawn first: the approval is never announced.
        var firstMessages = (await _p.Client.ListMessagesAsync(new ListMessagesRequest { IdNumber = first })).Messages;
        Assert.DoesNotContain(firstMessages, m => m.Kind == "allowance-approved" && m.State is MessageState.Queued or MessageState.Sending
            or MessageState.Sent or MessageState.Delivered);
        Assert.DoesNotContain(await _p.GatewayMessagesAsync(firstPhone), m => m.TemplateCode == "allowance-approved");

        // Both at once: either the approval never went out, or it went out first and its withdrawal followed: nobody is
        // left waiting for money that will not come.
        var secondSent = await _p.GatewayMessagesAsync(secondPhone);
        if (secondSent.Any(m => m.TemplateCode == "allowance-approved"))
            await Eventually.True(async () => (await _p.GatewayMessagesAsync(secondPhone)).Any(m => m.TemplateCode == "allowance-withdrawn"),
                TimeSpan.FromSeconds(20), "the withdrawal after the approval that went out");
        var secondMessages = (await _p.Client.ListMessagesAsync(new ListMessagesRequest { IdNumber = second })).Messages;
        Assert.DoesNotContain(secondMessages, m => m.Kind == "allowance-approved" && m.State is MessageState.Queued or MessageState.Sending);
    }

    // 15. A gateway that numbers its messages again from the start after a restart never leaves a message stuck.
    [Fact]
    public async Task F15_a_gateway_repeating_its_message_ids_after_a_restart_leaves_no_message_stuck()
    {
        var (first, firstPhone) = await _p.InsuredAsync();
        await _p.PublishAsync(Approved(first, Guid.NewGuid()));
        var sent = (await _p.MessagesAsync(first, 1, m => m.State == MessageState.Sent)).Single();

        await _p.RestartGatewayAsync();
        var (second, secondPhone) = await _p.InsuredAsync();
        await _p.PublishAsync(Approved(second, Guid.NewGuid()));

        var next = (await _p.MessagesAsync(second, 1, m => m.State == MessageState.Sent, "the message after the restart sent")).Single();
        Assert.NotEqual(sent.GatewayMessageId, next.GatewayMessageId); // the local gateway no longer numbers again from the start

        // Any gateway's answer: one that hands out an id it gave before still leaves nothing stuck.
        await _p.SetFaultAsync("sms", "repeat-id", 1);
        var (third, thirdPhone) = await _p.InsuredAsync();
        await _p.PublishAsync(Approved(third, Guid.NewGuid()));
        var repeated = (await _p.MessagesAsync(third, 1, m => m.State == MessageState.Sent, "the message under a repeated id sent")).Single();

        Assert.Equal(next.GatewayMessageId, repeated.GatewayMessageId);
        Assert.Equal(0L, await _p.Isolation.CountAsync("notificationsdb", "SELECT count(*) FROM message WHERE state = 'Sending'"));
        Assert.Single(await _p.GatewayMessagesAsync(secondPhone));
        Assert.Single(await _p.GatewayMessagesAsync(thirdPhone));
        _ = firstPhone;
    }
}
