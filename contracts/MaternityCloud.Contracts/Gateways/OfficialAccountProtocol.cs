using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace MaternityCloud.Contracts.Gateways;

// The parts of the WeChat official-account (公众号) API that Notifications uses: the access token, the template
// message, and the server push that reports a template message's fate (TEMPLATESENDJOBFINISH) or an unfollow.

/// <summary>GET /cgi-bin/token?grant_type=client_credential&amp;appid=&amp;secret=</summary>
public sealed record AccessTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("errcode")] int ErrorCode = 0,
    [property: JsonPropertyName("errmsg")] string? ErrorMessage = null);

/// <summary>POST /cgi-bin/message/template/send?access_token=. The same openid and client_msg_id is sent once.</summary>
public sealed record TemplateMessageRequest(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("url"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, TemplateDataValue> Data,
    [property: JsonPropertyName("client_msg_id")] string ClientMessageId);

public sealed record TemplateDataValue([property: JsonPropertyName("value")] string Value);

public sealed record TemplateMessageResponse(
    [property: JsonPropertyName("errcode")] int ErrorCode,
    [property: JsonPropertyName("errmsg")] string? ErrorMessage,
    [property: JsonPropertyName("msgid")] long MessageId = 0);

public static class OfficialAccountErrors
{
    public const int SystemBusy = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidOpenId = 40003;
    public const int InvalidAccessToken = 40014;
    public const int InvalidTemplateId = 40037;
    public const int AccessTokenExpired = 42001;
    public const int RequireSubscribe = 43004;
    public const int ApiFrequencyLimit = 45009;

    /// <summary>The token is no good: fetch a new one and try again.</summary>
    public static bool IsTokenProblem(int code) => code is InvalidCredential or InvalidAccessToken or AccessTokenExpired;

    /// <summary>Worth trying again later; any other error will not change by waiting.</summary>
    public static bool IsTransient(int code) => code is SystemBusy or ApiFrequencyLimit || IsTokenProblem(code);
}

/// <summary>WeChat signs its pushes: SHA-1 of token, timestamp and nonce, sorted and joined.</summary>
public static class OfficialAccountSignature
{
    public static string Compute(string token, string timestamp, string nonce)
    {
        string[] parts = [token, timestamp, nonce];
        Array.Sort(parts, StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts))));
    }

    public static bool Verify(string token, string? timestamp, string? nonce, string? signature) =>
        timestamp is not null && nonce is not null && signature is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(token, timestamp, nonce)), Encoding.ASCII.GetBytes(signature));
}
