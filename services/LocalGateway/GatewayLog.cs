using System.Collections.Concurrent;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.LocalGateway;

public sealed class LocalGatewayOptions
{
    public SmsCredentials Sms { get; set; } = new();
    public OfficialAccountCredentials OfficialAccount { get; set; } = new();
    /// <summary>Report every accepted message delivered after <see cref="ReceiptDelay"/>, as a carrier would.</summary>
    public bool AutoReceipts { get; set; } = true;
    public TimeSpan ReceiptDelay { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class SmsCredentials
{
    public string AccessKeyId { get; set; } = "";
    public string AccessKeySecret { get; set; } = "";
}

public sealed class OfficialAccountCredentials
{
    public string AppId { get; set; } = "";
    public string AppSecret { get; set; } = "";
    public string Token { get; set; } = "";
}

/// <summary>One message the gateway took. <see cref="To"/> is the full phone number or openid: only the log holds it.</summary>
public sealed record SentMessage(
    string Channel,
    string GatewayMessageId,
    string ClientMessageId,
    string To,
    string? SignName,
    string? TemplateCode,
    string Text,
    IReadOnlyDictionary<string, string> Fields,
    string? Url,
    DateTimeOffset AcceptedAt)
{
    public string MaskedTo => Channel == Channels.Sms ? PersonalData.MaskPhone(To) : PersonalData.MaskOpenId(To);
}

public static class Channels
{
    public const string Sms = "sms";
    public const string OfficialAccount = "official-account";
}

/// <summary>
/// A failure the gateway is told to produce for the next <see cref="Remaining"/> sends on a channel: unavailable, reject,
/// or repeat-id (accepted under the id of the channel's previous message).
/// </summary>
public sealed record Fault(string Channel, string Mode, int Remaining);

/// <summary>Every message taken, in order; the client's id makes a repeated send return the first answer.</summary>
public sealed class GatewayLog
{
    private readonly ConcurrentDictionary<(string Channel, string ClientId), SentMessage> _byClientId = new();
    private readonly ConcurrentQueue<SentMessage> _inOrder = new();
    private readonly ConcurrentDictionary<string, Fault> _faults = new();
    // Numbered from the start time, so a restarted gateway does not hand out its earlier ids again (a real gateway's ids
    // are unique; Notifications copes with repeats anyway).
    private long _sequence = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private long _calls;

    /// <summary>Every send request that reached the gateway, faulted or not: how often a client tried.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public IEnumerable<SentMessage> Messages => _inOrder;

    /// <summary>A new id; under the "repeat-id" fault, the id the channel's last message got, as a gateway that numbers again would.</summary>
    public string NextId(string channel, string? fault)
    {
        if (fault == "repeat-id" && _inOrder.LastOrDefault(m => m.Channel == channel) is { } last)
            return channel == Channels.Sms ? last.GatewayMessageId["SMS".Length..] : last.GatewayMessageId;
        return Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The message taken, and whether it is new (false: the same client id was sent before).</summary>
    public (SentMessage Message, bool IsNew) Take(string channel, string clientId, Func<SentMessage> create)
    {
        var isNew = false;
        var message = _byClientId.GetOrAdd((channel, clientId), _ =>
        {
            isNew = true;
            return create();
        });
        if (isNew) _inOrder.Enqueue(message);
        return (message, isNew);
    }

    /// <summary>Counts the call and, if a fault is set for the channel, uses it up and returns its mode.</summary>
    public string? NextFault(string channel)
    {
        Interlocked.Increment(ref _calls);
        while (_faults.TryGetValue(channel, out var fault))
        {
            var next = fault with { Remaining = fault.Remaining - 1 };
            if (next.Remaining <= 0 ? _faults.TryRemove(new KeyValuePair<string, Fault>(channel, fault)) : _faults.TryUpdate(channel, next, fault))
                return fault.Mode;
        }
        return null;
    }

    public void SetFault(Fault fault) => _faults[fault.Channel] = fault;

    public void ClearFaults() => _faults.Clear();

    public SentMessage? Find(string channel, string gatewayMessageId) =>
        _inOrder.FirstOrDefault(m => m.Channel == channel && m.GatewayMessageId == gatewayMessageId);
}
