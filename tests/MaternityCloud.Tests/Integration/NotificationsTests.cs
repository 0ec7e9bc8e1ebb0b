using System.Net;
using System.Net.Http.Json;
using System.Text;
using Google.Rpc;
using Grpc.Core;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Contracts.Gateways;
using MaternityCloud.Contracts.Notifications.V1;
using MaternityCloud.Tests.Infrastructure;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Reminders on the real servers, through the local gateway's SMS and official-account protocols: each event to its
/// exact Chinese text, once per person, event and channel; quiet hours, the per-phone rate limit, an outage and its
/// recovery, receipts, opt-out, withdrawal after a reversed settlement, operators' resends and template versions.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class NotificationsTests(TestServers servers) : IAsyncLifetime
{
    private static readonly DateOnly Born = new(2026, 9, 20);
    private NotificationsPlatform _p = null!;

    public async Task InitializeAsync() => _p = await NotificationsPlatform.StartAsync(servers, "notifications");

    public async Task DisposeAsync() => await _p.DisposeAsync();

    private static AllowanceApproved Approved(string idNumber, Guid? caseId = null) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, caseId ?? Guid.NewGuid(), idNumber, TestData.CreditCode(), "Childbirth", Born, 128, 287.67m,
            36821.33m, new DateOnly(2026, 10, 19), "330300");

    private async Task<GatewayMessage> OneSmsAsync(string phone, string? kind = null) =>
        await Eventually.Get(async () => (await _p.GatewayMessagesAsync(phone)).SingleOrDefault(m => kind is null || m.TemplateCode == kind),
            TimeSpan.FromSeconds(20), $"one SMS {kind} at the gateway");

    [Fact]
    public async Task Allowance_approval_sends_the_warm_reminder_by_SMS_once_rendered_with_its_template_version()
    {
        var (idNumber, phone) = await _p.InsuredAsync();

        await _p.PublishAsync(Approved(idNumber));

        var sms = await OneSmsAsync(phone);
        Assert.Equal("温馨提示：陈丽娟，您的生育津贴已审核通过（生育，2026年9月20日），核定128天，金额36,821.33元，将于2026年10月19日前拨付至您所在单位的对公账户，" +
            "由单位发放给您，您无需另行申请。咨询电话12393。", sms.Text);
        Assert.Equal("医疗保障", sms.SignName);
        Assert.Equal("allowance-approved", sms.TemplateCode);
        Assert.Equal($"{phone[..3]}****{phone[^4..]}", sms.To); // the gateway's own listing masks the number too

        var message = (await _p.MessagesAsync(idNumber, 1, m => m.State == MessageState.Sent)).Single();
        Assert.Equal(Channel.Sms, message.Channel);
        Assert.Equal(1, message.TemplateVersion);
        Assert.Equal(sms.Text, message.Text);
        Assert.Equal($"{phone[..3]}****{phone[^4..]}", message.MaskedAddress);
        Assert.DoesNotContain(idNumber, message.MaskedIdNumber);
        Assert.Equal(sms.GatewayMessageId, message.GatewayMessageId);
        Assert.Equal(1, message.Attempts);
    }

    [Fact]
    public async Task Every_event_a_person_should_hear_about_becomes_its_exact_text()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        var caseId = Guid.NewGuid();
        var applicantPhone = TestData.MobilePhone();
        ReimbursementCaseChanged Case(string from, string to, string reason = "", decimal? approved = null) =>
            new(Guid.NewGuid(), DateTimeOffset.UtcNow, caseId, idNumber, applicantPhone, "Childbirth", from, to, reason, "330302-wuma", 5230.50m, approved,
                new DateOnly(2026, 10, 26), "330300");

        await _p.PublishAsync(new AllowancePaid(Guid.NewGuid(), new DateTimeOffset(2026, 10, 12, 3, 0, 0, TimeSpan.Zero), Guid.NewGuid(), idNumber,
            TestData.CreditCode(), 36821.33m, Guid.NewGuid(), "BR20261012001", "330300"));
        await _p.PublishAsync(new AllowanceRefused(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), idNumber, "Childbirth", Born,
            ["contributions-short", "waiting-period"], "contributions short; waiting period", "330300"));
        await _p.PublishAsync(new AllowanceRefused(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), idNumber, "FamilyPlanning", Born,
            ["employer-unknown", "refused-by-operator"], "no employer; fund-auditor-02: 劳动合同已于生育前解除", "330300", "劳动合同已于生育前解除"));
        await _p.PublishAsync(new PrenatalRegistered(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), Guid.NewGuid(), idNumber, "330300", new DateOnly(2026, 3, 1),
            new DateOnly(2026, 12, 6), 1, "H33030200001", "hospital", false, 3000.00m));
        await _p.PublishAsync(Case("Applied", "Accepted"));
        await _p.PublishAsync(Case("Accepted", "Transferred")); // not something the applicant acts on: no message
        await _p.PublishAsync(Case("Transferred", "Rejected", "缺少出生医学证明复印件"));
        await _p.PublishAsync(Case("Approved", "Paid", approved: 4980.00m));

        var toPerson = await Eventually.Get(async () => await _p.GatewayMessagesAsync(phone) is { Count: 4 } m ? m : null, TimeSpan.FromSeconds(20), "4 SMS");
        Assert.Equal(
            [
                ("allowance-paid", "陈丽娟，您的生育津贴36,821.33元已于2026年10月12日拨付至您所在单位的对公账户，请留意单位发放。咨询电话12393。"),
                ("allowance-refused", "陈丽娟，您2026年9月20日生育的生育津贴经审核未予核发，原因：生育保险缴费时间不足；处于待遇等待期。如有疑问请咨询参保地医保经办机构，电话12393。"),
                ("allowance-refused", "陈丽娟，您2026年9月20日计划生育手术的生育津贴经审核未予核发，原因：未查到您生育（手术）时的用人单位；经办机构审核未通过（劳动合同已于生育前解除）。" +
                    "如有疑问请咨询参保地医保经办机构，电话12393。"),
                ("prenatal-registered", "陈丽娟，您的产前登记已完成，预产期2026年12月6日。本次孕期产前检查费用在定点医疗机构直接结算，医保基金支付限额3,000.00元；" +
                    "生育医疗费用和生育津贴无需另行申请。生育保险政策：https://ybj.wenzhou.gov.cn/"),
            ],
            toPerson.Select(m => (m.TemplateCode!, m.Text)).OrderBy(m => m.Item1).ThenBy(m => m.Text.Contains("计划生育")));

        // The case's messages go to the number the applicant gave at the service point, naming that point.
        var toApplicant = await Eventually.Get(async () => await _p.GatewayMessagesAsync(applicantPhone) is { Count: 3 } m ? m : null, TimeSpan.FromSeconds(20), "3 case SMS");
        Assert.Equal(
            [
                ("reimbursement-accepted", "陈丽娟，您在鹿城区五马街道便民服务中心申请的生育医疗费报销（申报金额5,230.50元）已受理，将于2026年10月26日前办结。咨询电话12393。"),
                ("reimbursement-paid", "陈丽娟，您的生育医疗费报销已审核通过，核定金额4,980.00元，已拨付，请留意到账。咨询电话12393。"),
                ("reimbursement-rejected", "陈丽娟，您在鹿城区五马街道便民服务中心申请的生育医疗费报销未通过审核，原因：缺少出生医学证明复印件。" +
                    "请联系鹿城区五马街道便民服务中心（电话0577-88000001）补正后重新申请。"),
            ],
            toApplicant.Select(m => (m.TemplateCode!, m.Text)).OrderBy(m => m.Item1));
        Assert.Equal(7, (await _p.MessagesAsync(idNumber, 7)).Count);
    }

    [Fact]
    public async Task An_enrolment_drive_sends_the_reminder_again_once_per_drive()
    {
        var guardianPhone = TestData.MobilePhone();
        var guardianId = TestData.IdNumber();
        GuardianReminderDue Reminder(string round) => new(Guid.NewGuid(), DateTimeOffset.UtcNow, "Q330055555", "林小雨", Born, guardianId, "林建国",
            guardianPhone, "330300", new DateOnly(2026, 12, 19), round);

        await _p.PublishAsync(Reminder(""));
        await OneSmsAsync(guardianPhone);
        await _p.PublishAsync(Reminder("drive-330300-*-30-20261110"));
        await _p.PublishAsync(Reminder("drive-330300-*-30-20261110")); // the same drive's event again
        await Eventually.True(async () => (await _p.GatewayMessagesAsync(guardianPhone)).Count == 2, TimeSpan.FromSeconds(20), "the drive's reminder");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2, (await _p.GatewayMessagesAsync(guardianPhone)).Count);
    }

    [Fact]
    public async Task A_newborns_guardian_is_reminded_to_enrol_at_the_birth_records_number_and_told_when_cover_starts()
    {
        var guardianPhone = TestData.MobilePhone();
        var guardianId = TestData.IdNumber();
        await _p.PublishAsync(new GuardianReminderDue(Guid.NewGuid(), DateTimeOffset.UtcNow, "Q330012345", "林小雨", Born, guardianId, "林建国", guardianPhone,
            "330300", new DateOnly(2026, 12, 19)));
        var reminder = await OneSmsAsync(guardianPhone);
        Assert.Equal("林建国您好，您的孩子林小雨（2026年9月20日出生）尚未参加城乡居民医保。请于2026年12月19日前凭出生医学证明办理参保，可自出生之日起享受医保待遇；" +
            "也可通过“温州医保”公众号亲情代办申领新生儿电子医保码。详情：https://ybj.wenzhou.gov.cn/", reminder.Text);

        // The guardian is insured: the enrolment confirmation finds the number on record.
        var (insuredGuardian, phone) = await _p.InsuredAsync("林建国");
        await _p.PublishAsync(new NewbornEnrolled(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), "Q330012346", "林小雨", Born, insuredGuardian,
            "330300", Born));
        Assert.Equal("林建国您好，林小雨已参加城乡居民医保，自2026年9月20日起享受医保待遇。可通过“温州医保”公众号亲情代办申领新生儿电子医保码。",
            (await OneSmsAsync(phone)).Text);
    }

    [Fact]
    public async Task A_bound_official_account_gets_the_template_message_as_well_and_a_preference_narrows_the_channels()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        var openId = "oLocal" + Guid.NewGuid().ToString("N")[..22];
        var preferences = await _p.Client.SetContactPreferencesAsync(new SetContactPreferencesRequest { IdNumber = idNumber, OpenId = openId, ChangedBy = "official-account" });
        Assert.Equal([Channel.Sms, Channel.OfficialAccount], preferences.Channels);
        Assert.DoesNotContain(openId, preferences.MaskedOpenId);

        await _p.PublishAsync(Approved(idNumber));

        var template = await Eventually.Get(async () => (await _p.GatewayMessagesAsync(openId)).SingleOrDefault(), TimeSpan.FromSeconds(20), "the template message");
        Assert.Equal("official-account", template.Channel);
        Assert.Equal("allowance-approved", template.TemplateCode);
        Assert.Equal(new Dictionary<string, string>
        {
            ["first"] = "温馨提示：您的生育津贴已审核通过",
            ["keyword1"] = "生育津贴（生育，2026年9月20日）",
            ["keyword2"] = "36,821.33元（128天）",
            ["keyword3"] = "2026年10月19日前拨付至单位对公账户",
            ["remark"] = "由单位发放给您，您无需另行申请。咨询电话12393。",
        }, template.Fields);
        Assert.Equal("https://ybj.wenzhou.gov.cn/", template.Url);
        await OneSmsAsync(phone);

        await _p.Client.SetContactPreferencesAsync(new SetContactPreferencesRequest
            { IdNumber = idNumber, Preference = ChannelPreference.OfficialAccountOnly, ChangedBy = "official-account" });
        await _p.PublishAsync(new AllowancePaid(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), idNumber, TestData.CreditCode(), 100.00m, Guid.NewGuid(), "BR", "330300"));
        await Eventually.True(async () => (await _p.GatewayMessagesAsync(openId)).Count == 2, TimeSpan.FromSeconds(20), "the paid notice on the official account");
        var messages = await _p.MessagesAsync(idNumber, 3, m => m.State == MessageState.Sent);
        Assert.Equal([Channel.OfficialAccount], messages.Where(m => m.Kind == "allowance-paid").Select(m => m.Channel));
        Assert.Single(await _p.GatewayMessagesAsync(phone));
    }

    [Fact]
    public async Task The_same_event_redelivered_or_published_again_sends_once_per_channel()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        var caseId = Guid.NewGuid();
        var approved = Approved(idNumber, caseId);

        await Task.WhenAll(_p.PublishAsync(approved), _p.PublishAsync(approved), _p.PublishAsync(approved),
            _p.PublishAsync(approved with { EventId = Guid.NewGuid() })); // a second event for the same approval

        await OneSmsAsync(phone);
        await Task.Delay(TimeSpan.FromSeconds(1)); // every copy has had its turn
        Assert.Single(await _p.GatewayMessagesAsync(phone));
        Assert.Single(await _p.MessagesAsync(idNumber, 1));
        Assert.Equal(1, await _p.Isolation.CountAsync("notificationsdb", "SELECT count(*) FROM message WHERE subject = $1", caseId.ToString()));
    }

    [Fact]
    public async Task A_message_due_in_the_quiet_hours_waits_for_the_morning_and_is_then_sent()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        _p.Clock.MoveTo(new DateTimeOffset(2026, 9, 28, 22, 30, 0, TimeSpan.FromHours(8)));

        await _p.PublishAsync(Approved(idNumber));

        var queued = (await _p.MessagesAsync(idNumber, 1)).Single();
        Assert.Equal(MessageState.Queued, queued.State);
        Assert.Equal("quiet-hours", queued.DeferredBecause);
        Assert.Equal(new DateTimeOffset(2026, 9, 29, 8, 0, 0, TimeSpan.FromHours(8)), DateTimeOffset.Parse(queued.DueAt));
        await Task.Delay(TimeSpan.FromSeconds(1)); // twenty dispatcher passes
        Assert.Empty(await _p.GatewayMessagesAsync(phone));

        _p.Clock.MoveTo(new DateTimeOffset(2026, 9, 29, 8, 0, 0, TimeSpan.FromHours(8)));
        await OneSmsAsync(phone);
        Assert.Equal(MessageState.Sent, (await _p.MessagesAsync(idNumber, 1, m => m.State == MessageState.Sent)).Single().State);
    }

    [Fact]
    public async Task A_phone_over_its_rate_limit_gets_the_rest_in_the_next_window()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        for (var i = 0; i < NotificationsPlatform.RateLimitPerPhone + 2; i++) await _p.PublishAsync(Approved(idNumber));

        var messages = await _p.MessagesAsync(idNumber, 2, m => m.DeferredBecause == "rate-limit", "two messages held back by the rate limit");
        Assert.Equal(NotificationsPlatform.RateLimitPerPhone, messages.Count(m => m.State == MessageState.Sent));
        Assert.All(messages.Where(m => m.State == MessageState.Queued), m =>
            Assert.InRange(DateTimeOffset.Parse(m.DueAt) - _p.Clock.GetUtcNow(), TimeSpan.FromMinutes(59), TimeSpan.FromHours(1)));
        Assert.Equal(NotificationsPlatform.RateLimitPerPhone, (await _p.GatewayMessagesAsync(phone)).Count);
    }

    [Fact]
    public async Task A_gateway_outage_is_retried_with_backoff_and_the_message_sent_once_when_it_recovers()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        await _p.SetFaultAsync("sms", "unavailable", times: 2);

        await _p.PublishAsync(Approved(idNumber));

        var first = (await _p.MessagesAsync(idNumber, 1, m => m.Attempts == 1, "the first failed attempt")).Single();
        Assert.Equal(MessageState.Queued, first.State);
        Assert.Equal("retry", first.DeferredBecause);
        Assert.Contains("HTTP 503", first.LastError);
        Assert.Equal(_p.Clock.GetUtcNow() + NotificationsPlatform.FirstRetry, DateTimeOffset.Parse(first.DueAt));

        _p.Clock.Advance(NotificationsPlatform.FirstRetry);
        var second = (await _p.MessagesAsync(idNumber, 1, m => m.Attempts == 2, "the second failed attempt")).Single();
        Assert.Equal(_p.Clock.GetUtcNow() + 2 * NotificationsPlatform.FirstRetry, DateTimeOffset.Parse(second.DueAt)); // the wait doubles

        _p.Clock.Advance(2 * NotificationsPlatform.FirstRetry);
        var sent = (await _p.MessagesAsync(idNumber, 1, m => m.State == MessageState.Sent)).Single();
        Assert.Equal(3, sent.Attempts);
        Assert.Single(await _p.GatewayMessagesAsync(phone));
        var detail = await _p.Client.GetMessageAsync(new GetMessageRequest { MessageId = sent.MessageId });
        Assert.Equal(["failed", "failed", "accepted"], detail.DeliveryAttempts.Select(a => a.Outcome));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_marked_failed_for_operators_who_resend_it_once_per_request()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        await _p.SetFaultAsync("sms", "unavailable", times: 100);
        await _p.PublishAsync(Approved(idNumber));
        for (var attempt = 1; attempt < 3; attempt++)
        {
            await _p.MessagesAsync(idNumber, 1, m => m.Attempts == attempt, $"attempt {attempt}");
            _p.Clock.Advance(TimeSpan.FromMinutes(5));
        }
        var failed = (await _p.MessagesAsync(idNumber, 1, m => m.State == MessageState.Failed)).Single();
        Assert.Equal(3, failed.Attempts);
        Assert.StartsWith("gave up after 3 attempts", failed.LastError);
        var operatorsView = await _p.Client.ListMessagesAsync(new ListMessagesRequest { State = MessageState.Failed });
        Assert.Contains(operatorsView.Messages, m => m.MessageId == failed.MessageId);

        (await _p.GatewayHttp.DeleteAsync("/control/faults")).EnsureSuccessStatusCode();
        var resend = new ResendMessageRequest { MessageId = failed.MessageId, RequestId = Guid.NewGuid().ToString(), OperatorId = "ops-01", Reason = "gateway recovered" };
        var copy = await _p.Client.ResendMessageAsync(resend);
        var again = await _p.Client.ResendMessageAsync(resend); // a retried call
        Assert.Equal(copy.MessageId, again.MessageId);
        Assert.Equal(failed.MessageId, copy.ResentFrom);
        Assert.Equal("ops-01: gateway recovered", copy.RequestedBy);

        var sms = await OneSmsAsync(phone);
        Assert.Equal(failed.Text, sms.Text);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Single(await _p.GatewayMessagesAsync(phone));

        var inFlight = await Assert.ThrowsAsync<RpcException>(() => _p.Client.ResendMessageAsync(new ResendMessageRequest
            { MessageId = failed.MessageId, RequestId = "not-a-uuid", OperatorId = "ops-01", Reason = "x" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, inFlight.StatusCode);
        Assert.Contains("request_id", inFlight.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task A_number_the_gateway_refuses_is_failed_at_once_without_retrying()
    {
        var (idNumber, _) = await _p.InsuredAsync();
        await _p.SetFaultAsync("sms", "reject", times: 1);
        await _p.PublishAsync(Approved(idNumber));
        var failed = (await _p.MessagesAsync(idNumber, 1, m => m.State == MessageState.Failed)).Single();
        Assert.Equal(1, failed.Attempts);
        Assert.Contains("invalid-number", failed.LastError);
    }

    [Fact]
    public async Task Receipts_from_the_gateway_mark_messages_delivered_or_undelivered_and_unsigned_ones_are_refused()
    {
        var (idNumber, phone) = await _p.InsuredAsync();
        var openId = "oLocal" + Guid.NewGuid().ToString("N")[..22];
        await _p.Client.SetContactPreferencesAsync(new SetContactPreferencesRequest { IdNumber = idNumber, OpenId = openId, ChangedBy = "official-account" });
        await _p.PublishAsync(Approved(idNumber));
        var sms = await OneSmsAsync(phone);
        var template = await Eventually.Get(async () => (await _p.GatewayMessagesAsync(openId)).SingleOrDefault(), TimeSpan.FromSeconds(20), "template message");
        await _p.MessagesAsync(idNumber, 2, m => m.State == MessageState.Sent);

        (await _p.GatewayHttp.PostAsJsonAsync("/control/receipts", new { channel = "sms", sms.GatewayMessageId, delivered = false, errorCode = "MK:0001" }))
            .EnsureSuccessStatusCode();
        (await _p.GatewayHttp.PostAsJsonAsync("/control/receipts", new { channel = "official-account", template.GatewayMessageId, delivered = true }))
            .EnsureSuccessStatusCode();

        var messages = await _p.MessagesAsync(idNumber, 2, m => m.State is MessageState.Delivered or MessageState.Undelivered);
        var smsMessage = messages.Single(m => m.Channel == Channel.Sms);
        Assert.Equal(MessageState.Undelivered, smsMessage.State);
        Assert.Equal("carrier: MK:0001", smsMessage.LastError);
        Assert.Equal(MessageState.Delivered, messages.Single(m => m.Channel == Channel.OfficialAccount).State);

        // A forged receipt (no signature) changes nothing.
        using var forged = new StringContent($"[{{\"messageId\":\"{sms.GatewayMessageId}\",\"delivered\":true,\"reportedAt\":\"2026-09-28T03:00:00Z\"}}]", Encoding.UTF8, "application/json");
        var refused = await _p.Host.CreateClient().PostAsync("/gateway/sms/receipts", forged);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(MessageState.Undelivered, (await _p.Client.GetMessageAsync(new GetMessageRequest { MessageId = smsMessage.MessageId })).State);
    }

    [Fact]
    public async Task A_person_recorded_as_dead_is_sent_nothing_and_what_waited_in_the_quiet_hours_is_cancelled()
    {
        // A reminder waiting for the morning, then the death: it is cancelled and never sent.
        var (waiting, waitingPhone) = await _p.InsuredAsync();
        _p.Clock.MoveTo(new DateTimeOffset(2026, 9, 28, 22, 30, 0, TimeSpan.FromHours(8)));
        await _p.PublishAsync(Approved(waiting));
        Assert.Equal(MessageState.Queued, (await _p.MessagesAsync(waiting, 1)).Single().State);
        await _p.PublishAsync(new InsuredPersonDied(Guid.NewGuid(), DateTimeOffset.UtcNow, null, waiting, Born.AddDays(3)));
        var cancelled = (await _p.MessagesAsync(waiting, 1, m => m.State == MessageState.Cancelled)).Single();
        Assert.Contains("death", cancelled.LastError);

        // The death first: the notice that arrives after is recorded, suppressed with the reason, and not sent.
        var (dead, deadPhone) = await _p.InsuredAsync();
        await _p.PublishAsync(new InsuredPersonDied(Guid.NewGuid(), DateTimeOffset.UtcNow, null, dead, Born.AddDays(3)));
        await Eventually.True(async () => await _p.Isolation.CountAsync("notificationsdb", "SELECT count(*) FROM deceased_person WHERE id_number = $1", dead) == 1,
            TimeSpan.FromSeconds(20), "the death recorded");
        _p.Clock.MoveTo(new DateTimeOffset(2026, 9, 29, 9, 0, 0, TimeSpan.FromHours(8)));
        await _p.PublishAsync(Approved(dead));
        var suppressed = (await _p.MessagesAsync(dead, 1)).Single();
        Assert.Equal(MessageState.Suppressed, suppressed.State);
        Assert.Contains("death", suppressed.LastError);

        await Task.Delay(TimeSpan.FromSeconds(1)); // twenty dispatcher passes, past the morning
        Assert.Empty(await _p.GatewayMessagesAsync(waitingPhone));
        Assert.Empty(await _p.GatewayMessagesAsync(deadPhone));
    }

    [Fact]
    public async Task A_person_who_opted_out_or_replied_TD_is_not_messaged_and_the_history_says_why()
    {
        var (optedOut, optedOutPhone) = await _p.InsuredAsync();
        await _p.Client.SetContactPreferencesAsync(new SetContactPreferencesRequest { IdNumber = optedOut, OptedOut = true, ChangedBy = "counter-clerk-07" });
        await _p.PublishAsync(Approved(optedOut));
        Assert.Equal(MessageState.Suppressed, (await _p.MessagesAsync(optedOut, 1)).Single().State);

        var (replied, repliedPhone) = await _p.InsuredAsync();
        await _p.PublishAsync(Approved(replied));
        await OneSmsAsync(repliedPhone);
        (await _p.GatewayHttp.PostAsJsonAsync("/control/replies", new { phoneNumber = repliedPhone, content = "TD" })).EnsureSuccessStatusCode();
        Assert.True((await _p.Client.GetContactPreferencesAsync(new GetContactPreferencesRequest { IdNumber = replied })).OptedOut);
        await _p.PublishAsync(new AllowancePaid(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), replied, TestData.CreditCode(), 100.00m, Guid.NewGuid(), "BR", "330300"));
        Assert.Equal(MessageState.Suppressed, (await _p.MessagesAsync(replied, 2)).Single(m => m.Kind == "allowance-paid").State);

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Empty(await _p.GatewayMessagesAsync(optedOutPhone));
        Assert.Single(await _p.GatewayMessagesAsync(repliedPhone));
        var reminder = (await _p.MessagesAsync(replied, 2)).Single(m => m.Kind == "allowance-approved");
        var resend = await Assert.ThrowsAsync<RpcException>(() => _p.Client.ResendMessageAsync(new ResendMessageRequest
        {
            MessageId = reminder.MessageId,
            RequestId = Guid.NewGuid().ToString(), OperatorId = "ops-01", Reason = "retry",
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, resend.StatusCode);
        Assert.Contains("opted-out", resend.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations.Select(v => v.Type));
    }

    [Fact]
    public async Task A_person_with_no_phone_and_no_account_is_recorded_unreachable()
    {
        var stranger = TestData.IdNumber();
        await _p.PublishAsync(Approved(stranger));
        var message = (await _p.MessagesAsync(stranger, 1)).Single();
        Assert.Equal(MessageState.Unreachable, message.State);
        Assert.StartsWith("温馨提示：尊敬的参保人，", message.Text);
    }

    [Fact]
    public async Task A_reversed_settlement_withdraws_a_sent_reminder_and_cancels_one_still_waiting()
    {
        var (sentTo, sentPhone) = await _p.InsuredAsync();
        var sentCase = Guid.NewGuid();
        await _p.PublishAsync(Approved(sentTo, sentCase));
        await OneSmsAsync(sentPhone);
        await _p.MessagesAsync(sentTo, 1, m => m.State == MessageState.Sent);
        await _p.PublishAsync(new AllowanceCancelled(Guid.NewGuid(), DateTimeOffset.UtcNow, sentCase, sentTo, "settlement reversed", "330300"));
        Assert.Equal("陈丽娟，此前通知您的生育津贴已撤销：相关生育医疗费用结算已撤销，津贴不再发放。如有疑问请拨打12393。",
            (await OneSmsAsync(sentPhone, "allowance-withdrawn")).Text);

        // At night the reminder waits; the reversal comes first: nothing is ever sent.
        var (waitingFor, waitingPhone) = await _p.InsuredAsync();
        var waitingCase = Guid.NewGuid();
        _p.Clock.MoveTo(new DateTimeOffset(2026, 9, 28, 23, 0, 0, TimeSpan.FromHours(8)));
        await _p.PublishAsync(Approved(waitingFor, waitingCase));
        await _p.MessagesAsync(waitingFor, 1);
        await _p.PublishAsync(new AllowanceCancelled(Guid.NewGuid(), DateTimeOffset.UtcNow, waitingCase, waitingFor, "settlement reversed", "330300"));
        var cancelled = (await _p.MessagesAsync(waitingFor, 1, m => m.State == MessageState.Cancelled)).Single();
        Assert.Equal("allowance-approved", cancelled.Kind);
        _p.Clock.MoveTo(new DateTimeOffset(2026, 9, 29, 9, 0, 0, TimeSpan.FromHours(8)));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await _p.GatewayMessagesAsync(waitingPhone));
        Assert.Single(await _p.MessagesAsync(waitingFor, 1));
    }

    [Fact]
    public async Task An_operator_publishes_a_new_template_version_that_renders_the_next_messages_and_a_bad_one_is_refused()
    {
        var published = await _p.Client.PublishTemplateAsync(new PublishTemplateRequest
        {
            Kind = "allowance-paid", Channel = Channel.Sms, PublishedBy = "ops-02",
            Fields = { new TemplateField { Name = "content", Text = "{name}，您的生育津贴{amount}已于{paidDate}拨付至单位账户。详询{hotline}。" } },
        });
        Assert.Equal(2, published.Version);

        var (idNumber, phone) = await _p.InsuredAsync();
        await _p.PublishAsync(new AllowancePaid(Guid.NewGuid(), new DateTimeOffset(2026, 10, 12, 3, 0, 0, TimeSpan.Zero), Guid.NewGuid(), idNumber,
            TestData.CreditCode(), 1234.50m, Guid.NewGuid(), "BR", "330300"));
        Assert.Equal("陈丽娟，您的生育津贴1,234.50元已于2026年10月12日拨付至单位账户。详询12393。", (await OneSmsAsync(phone)).Text);
        Assert.Equal(2, (await _p.MessagesAsync(idNumber, 1)).Single().TemplateVersion);

        var bad = await Assert.ThrowsAsync<RpcException>(() => _p.Client.PublishTemplateAsync(new PublishTemplateRequest
        {
            Kind = "allowance-paid", Channel = Channel.Sms, PublishedBy = "ops-02",
            Fields = { new TemplateField { Name = "content", Text = "{name}，您的津贴{bankAccount}已到账" } },
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        var violation = Assert.Single(bad.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal("fields.content", violation.Field);
        Assert.Contains("{bankAccount} is not a variable of allowance-paid", violation.Description);

        var versions = await _p.Client.ListTemplatesAsync(new ListTemplatesRequest { Kind = "allowance-paid" });
        Assert.Equal([(Channel.Sms, 1), (Channel.Sms, 2), (Channel.OfficialAccount, 1)],
            versions.Templates.Select(t => (t.Channel, t.Version)).OrderBy(t => t.Channel == Channel.OfficialAccount).ThenBy(t => t.Version));
    }
}
