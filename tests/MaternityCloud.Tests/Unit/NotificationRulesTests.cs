using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Notifications.Domain;

namespace MaternityCloud.Tests.Unit;

/// <summary>The pure rules behind reminders: quiet hours, Chinese formats, channel choice, retry intervals, template checks.</summary>
public sealed class NotificationRulesTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private static readonly QuietHours Night = new(new TimeOnly(21, 0), new TimeOnly(8, 0));

    [Theory]
    [InlineData("2026-09-28T20:59:00", "2026-09-28T20:59:00")] // just before: now
    [InlineData("2026-09-28T21:00:00", "2026-09-29T08:00:00")] // from 21:00: next morning
    [InlineData("2026-09-28T23:45:00", "2026-09-29T08:00:00")]
    [InlineData("2026-09-29T00:10:00", "2026-09-29T08:00:00")] // after midnight: this morning
    [InlineData("2026-09-29T07:59:59", "2026-09-29T08:00:00")]
    [InlineData("2026-09-29T08:00:00", "2026-09-29T08:00:00")]
    public void Quiet_hours_spanning_midnight_defer_to_their_end_in_Beijing_time(string local, string expected)
    {
        var at = new DateTimeOffset(DateTime.Parse(local), Beijing);
        Assert.Equal(new DateTimeOffset(DateTime.Parse(expected), Beijing), Night.NextAllowed(at.ToUniversalTime()));
    }

    [Fact]
    public void Quiet_hours_within_one_day_and_none_at_all()
    {
        var lunch = new QuietHours(new TimeOnly(12, 0), new TimeOnly(14, 0));
        Assert.Equal(new DateTimeOffset(2026, 9, 28, 14, 0, 0, Beijing), lunch.NextAllowed(new DateTimeOffset(2026, 9, 28, 13, 0, 0, Beijing)));
        Assert.False(lunch.Contains(new TimeOnly(14, 0)));
        var none = new QuietHours(new TimeOnly(0, 0), new TimeOnly(0, 0));
        var at = new DateTimeOffset(2026, 9, 28, 3, 0, 0, Beijing);
        Assert.Equal(at, none.NextAllowed(at));
    }

    [Theory]
    [InlineData("36821.33", "36,821.33元")]
    [InlineData("0", "0.00元")]
    [InlineData("1234567.5", "1,234,567.50元")]
    [InlineData("287.675", "287.68元")]
    public void Amounts_are_written_in_yuan_with_separators_and_fen(string amount, string expected) =>
        Assert.Equal(expected, ChineseFormat.Yuan(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Dates_are_written_as_year_month_day_without_padding() =>
        Assert.Equal("2026年9月20日", ChineseFormat.Date(new DateOnly(2026, 9, 20)));

    [Theory]
    [InlineData("13800138000", null, ChannelPreference.Every, new[] { Channel.Sms })]
    [InlineData("13800138000", "oOpenId00000000000001", ChannelPreference.Every, new[] { Channel.Sms, Channel.OfficialAccount })]
    [InlineData("13800138000", "oOpenId00000000000001", ChannelPreference.SmsOnly, new[] { Channel.Sms })]
    [InlineData("13800138000", "oOpenId00000000000001", ChannelPreference.OfficialAccountOnly, new[] { Channel.OfficialAccount })]
    [InlineData("13800138000", null, ChannelPreference.OfficialAccountOnly, new[] { Channel.Sms })] // not bound: SMS still reaches them
    [InlineData(null, "oOpenId00000000000001", ChannelPreference.SmsOnly, new[] { Channel.OfficialAccount })]
    [InlineData(null, null, ChannelPreference.Every, new Channel[0])]
    public void Channels_follow_the_preference_among_those_that_reach_the_person(string? phone, string? openId, ChannelPreference preference, Channel[] expected) =>
        Assert.Equal(expected, new Contact(phone, openId, preference, OptedOut: false).Channels());

    [Fact]
    public void Retries_wait_twice_as_long_each_time_up_to_the_maximum_then_give_up()
    {
        var retry = new RetryPolicy(5, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), null],
            Enumerable.Range(1, 5).Select(retry.After));
    }

    [Fact]
    public void A_template_is_checked_against_its_kinds_variables_and_its_channels_shape()
    {
        var v = new Validator();
        new TemplateDraft("allowance-paid", Channel.Sms, [new TemplateField("content", "{name}{amount}{iban}")], "tmpl", null).Validate(v);
        Assert.Equal(["fields.content", "external_template_id"], v.Violations.Select(f => f.Field));

        v = new Validator();
        new TemplateDraft("allowance-paid", Channel.OfficialAccount,
            [new TemplateField("first", "{amount}"), new TemplateField("first", "x"), new TemplateField("9bad", "y")], null, "http://insecure").Validate(v);
        Assert.Equal(["external_template_id", "fields[1].name", "fields[2].name", "link"], v.Violations.Select(f => f.Field));

        v = new Validator();
        new TemplateDraft("no-such-kind", Channel.Sms, [], null, null).Validate(v);
        Assert.Equal(["kind"], v.Violations.Select(f => f.Field));
    }

    [Fact]
    public void Refusal_reasons_are_the_applicants_words_with_the_operators_own_reason()
    {
        var terms = new NoticeTerms("尊敬的参保人", new Dictionary<string, string>(), new Dictionary<string, string>(),
            new Dictionary<string, string> { ["waiting-period"] = "处于待遇等待期", ["refused-by-operator"] = "经办机构审核未通过", ["other"] = "详见答复" }, "", "");
        Assert.Equal("处于待遇等待期；经办机构审核未通过（材料不全）；详见答复",
            terms.RefusalReasons(["waiting-period", "refused-by-operator", "unheard-of-code", "waiting-period"], "材料不全"));
    }

    [Fact]
    public void The_gateway_sees_the_address_everyone_else_a_masked_one() =>
        Assert.Equal("oAbc****wxyz", PersonalData.MaskOpenId("oAbcdefghijklmnopqrstuvwxyz"));
}
