namespace MaternityCloud.Notifications.Domain;

/// <summary>How a message reaches a person: SMS (短信) or a WeChat official-account (公众号) template message.</summary>
public enum Channel
{
    Sms = 1,
    OfficialAccount = 2,
}

/// <summary>The channels a person asked for. <see cref="Every"/> uses every channel that can reach them.</summary>
public enum ChannelPreference
{
    Every = 0,
    SmsOnly = 1,
    OfficialAccountOnly = 2,
}

/// <summary>How the platform can reach a person and what they asked for.</summary>
public sealed record Contact(string? MobilePhone, string? OpenId, ChannelPreference Preference, bool OptedOut)
{
    public bool Reaches(Channel channel) => channel switch
    {
        Channel.Sms => !string.IsNullOrEmpty(MobilePhone),
        _ => !string.IsNullOrEmpty(OpenId),
    };

    /// <summary>
    /// The channels a message goes out on: the preferred ones that reach the person; when the preferred channel cannot
    /// reach them (an official account not bound), the other one, because a refusal or a deadline must still be heard.
    /// Only an opt-out silences a person.
    /// </summary>
    public IReadOnlyList<Channel> Channels()
    {
        Channel[] reachable = [.. new[] { Channel.Sms, Channel.OfficialAccount }.Where(Reaches)];
        Channel? only = Preference switch
        {
            ChannelPreference.SmsOnly => Channel.Sms,
            ChannelPreference.OfficialAccountOnly => Channel.OfficialAccount,
            _ => null,
        };
        return only is { } preferred && reachable.Contains(preferred) ? [preferred] : reachable;
    }

    /// <summary>Where on <paramref name="channel"/> the message goes: the phone number or the openid.</summary>
    public string? Address(Channel channel) => channel == Channel.Sms ? MobilePhone : OpenId;
}
