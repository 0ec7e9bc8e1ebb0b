using System.Security.Cryptography;
using System.Text;

namespace MaternityCloud.Contracts.Gateways;

// The SMS gateway's HTTP protocol, as Notifications speaks it and the local gateway answers it. Every request either
// way is signed: X-Access-Key-Id, X-Timestamp (Unix seconds), X-Nonce and X-Signature, the Base64 HMAC-SHA256 of
// "timestamp\nnonce\nbody" under the shared secret. Adapting to a vendor's SMS API means one provider class.

/// <summary>POST /sms/send. <see cref="ClientMessageId"/> is the idempotency key: the same id is sent once.</summary>
public sealed record SmsSendRequest(string ClientMessageId, string PhoneNumber, string SignName, string TemplateCode, string Content);

public sealed record SmsSendResponse(string MessageId);

/// <summary>A 4xx or 5xx answer. 429 and 5xx are worth retrying; another 4xx is not.</summary>
public sealed record SmsError(string Code, string Message);

/// <summary>POST {callback}/gateway/sms/receipts: what the carrier reported for a sent message (状态报告).</summary>
public sealed record SmsReceipt(string MessageId, bool Delivered, string? ErrorCode, DateTimeOffset ReportedAt);

/// <summary>POST {callback}/gateway/sms/replies: a message the person sent back (上行短信), such as 退订 or TD.</summary>
public sealed record SmsReply(string PhoneNumber, string Content, DateTimeOffset ReceivedAt);

public static class SmsGatewaySignature
{
    public const string AccessKeyHeader = "X-Access-Key-Id";
    public const string TimestampHeader = "X-Timestamp";
    public const string NonceHeader = "X-Nonce";
    public const string SignatureHeader = "X-Signature";

    /// <summary>How far a request's timestamp may be from the receiver's clock.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    public static string Compute(string secret, string timestamp, string nonce, string body) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n{body}")));

    /// <summary>
    /// Whether a request's headers (read through <paramref name="header"/>) sign <paramref name="body"/> under the key,
    /// recently: compared in constant time.
    /// </summary>
    public static bool Verify(string accessKeyId, string secret, Func<string, string?> header, string body, DateTimeOffset now)
    {
        var (timestamp, nonce, signature) = (header(TimestampHeader), header(NonceHeader), header(SignatureHeader));
        if (header(AccessKeyHeader) != accessKeyId || timestamp is null || nonce is null || signature is null) return false;
        if (!long.TryParse(timestamp, out var seconds) || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > MaxSkew) return false;
        var expected = Encoding.UTF8.GetBytes(Compute(secret, timestamp, nonce, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(signature));
    }

    /// <summary>The four headers for a request with <paramref name="body"/>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Headers(string accessKeyId, string secret, string body, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N");
        yield return new(AccessKeyHeader, accessKeyId);
        yield return new(TimestampHeader, timestamp);
        yield return new(NonceHeader, nonce);
        yield return new(SignatureHeader, Compute(secret, timestamp, nonce, body));
    }
}
