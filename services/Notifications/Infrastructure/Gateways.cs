using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MaternityCloud.Contracts.Gateways;
using MaternityCloud.Notifications.Domain;
using Microsoft.Extensions.Options;

namespace MaternityCloud.Notifications.Infrastructure;

/// <summary>What a gateway said about one message.</summary>
public abstract record GatewayAnswer
{
    public sealed record Accepted(string GatewayMessageId) : GatewayAnswer;
    /// <summary>Worth trying again later (outage, overload).</summary>
    public sealed record Transient(string Error) : GatewayAnswer;
    /// <summary>Will not go through by trying again (no such number, unfollowed).</summary>
    public sealed record Permanent(string Error) : GatewayAnswer;
}

/// <summary>Hands one message to a channel's gateway. The message id goes with it, so a repeat after a crash is sent once.</summary>
public interface IMessageGateway
{
    Channel Channel { get; }
    Task<GatewayAnswer> SendAsync(Message message, CancellationToken ct);
}

public sealed class SmsGatewayOptions
{
    public string BaseUrl { get; set; } = "";
    public string AccessKeyId { get; set; } = "";
    public string AccessKeySecret { get; set; } = "";
    /// <summary>The registered signature (短信签名) the carrier puts in brackets before the text: 【温州医保】.</summary>
    public string SignName { get; set; } = "";
}

public sealed class OfficialAccountOptions
{
    public string BaseUrl { get; set; } = "https://api.weixin.qq.com";
    public string AppId { get; set; } = "";
    public string AppSecret { get; set; } = "";
    /// <summary>The token WeChat signs its pushes with (the server configuration's Token).</summary>
    public string Token { get; set; } = "";
}

/// <summary>Sends SMS through an HTTP gateway speaking <see cref="SmsGatewaySignature"/>'s signed protocol.</summary>
public sealed class SmsHttpGateway(IHttpClientFactory clients, IOptions<SmsGatewayOptions> options) : IMessageGateway
{
    public const string Client = "sms-gateway";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Channel Channel => Channel.Sms;

    public async Task<GatewayAnswer> SendAsync(Message message, CancellationToken ct)
    {
        var o = options.Value;
        var body = JsonSerializer.Serialize(new SmsSendRequest(message.MessageId.ToString(), message.Address!, o.SignName, message.Kind, message.Rendered.Text), Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{o.BaseUrl.TrimEnd('/')}/sms/send")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in SmsGatewaySignature.Headers(o.AccessKeyId, o.AccessKeySecret, body, DateTimeOffset.UtcNow))
            request.Headers.Add(name, value);
        return await GatewayCalls.RunAsync(async () =>
        {
            using var response = await clients.CreateClient(Client).SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                var accepted = await response.Content.ReadFromJsonAsync<SmsSendResponse>(Json, ct);
                return string.IsNullOrEmpty(accepted?.MessageId)
                    ? new GatewayAnswer.Transient("the gateway accepted the message without naming it")
                    : new GatewayAnswer.Accepted(accepted.MessageId);
            }
            var error = await GatewayCalls.ErrorTextAsync(response, ct);
            return response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500
                ? new GatewayAnswer.Transient(error)
                : new GatewayAnswer.Permanent(error);
        });
    }
}

/// <summary>Sends WeChat official-account template messages; keeps the access token until it expires or is refused.</summary>
public sealed class OfficialAccountHttpGateway(IHttpClientFactory clients, IOptions<OfficialAccountOptions> options, TimeProvider clock) : IMessageGateway
{
    public const string Client = "official-account";

    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private (string Token, DateTimeOffset Until)? _token;

    public Channel Channel => Channel.OfficialAccount;

    public Task<GatewayAnswer> SendAsync(Message message, CancellationToken ct) => GatewayCalls.RunAsync(async () =>
    {
        var request = new TemplateMessageRequest(message.Address!, message.ExternalTemplateId ?? "", message.Rendered.Link,
            message.Rendered.Fields.ToDictionary(f => f.Name, f => new TemplateDataValue(f.Value)), message.MessageId.ToString("N"));
        var http = clients.CreateClient(Client);
        for (var attempt = 1; ; attempt++)
        {
            var token = await TokenAsync(ct);
            if (token is GatewayAnswer failed) return failed;
            using var response = await http.PostAsJsonAsync(
                $"{options.Value.BaseUrl.TrimEnd('/')}/cgi-bin/message/template/send?access_token={Uri.EscapeDataString((string)token)}", request, ct);
            if (!response.IsSuccessStatusCode) return new GatewayAnswer.Transient(await GatewayCalls.ErrorTextAsync(response, ct));
            var answer = await response.Content.ReadFromJsonAsync<TemplateMessageResponse>(ct);
            if (answer is null) return new GatewayAnswer.Transient("empty answer");
            if (answer.ErrorCode == 0) return new GatewayAnswer.Accepted(answer.MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (OfficialAccountErrors.IsTokenProblem(answer.ErrorCode) && attempt == 1)
            {
                _token = null; // refused: fetch a fresh one once, now
                continue;
            }
            var error = $"{answer.ErrorCode} {answer.ErrorMessage}";
            return OfficialAccountErrors.IsTransient(answer.ErrorCode) ? new GatewayAnswer.Transient(error) : new GatewayAnswer.Permanent(error);
        }
    });

    /// <summary>The cached token, or a fresh one (one fetch at a time); a refusal to issue one is an answer.</summary>
    private async Task<object> TokenAsync(CancellationToken ct)
    {
        if (_token is { } cached && cached.Until > clock.GetUtcNow()) return cached.Token;
        await _tokenLock.WaitAsync(ct);
        try
        {
            if (_token is { } again && again.Until > clock.GetUtcNow()) return again.Token;
            var o = options.Value;
            var issued = await clients.CreateClient(Client).GetFromJsonAsync<AccessTokenResponse>(
                $"{o.BaseUrl.TrimEnd('/')}/cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(o.AppId)}&secret={Uri.EscapeDataString(o.AppSecret)}", ct);
            if (issued?.AccessToken is not { Length: > 0 } token)
                return issued is not null && !OfficialAccountErrors.IsTransient(issued.ErrorCode) && issued.ErrorCode != 0
                    ? new GatewayAnswer.Permanent($"no access token: {issued.ErrorCode} {issued.ErrorMessage}")
                    : new GatewayAnswer.Transient($"no access token: {issued?.ErrorCode} {issued?.ErrorMessage}");
            // Renew five minutes early, so a token never expires between fetching and using it.
            _token = (token, clock.GetUtcNow().AddSeconds(Math.Max(60, issued.ExpiresIn - 300)));
            return token;
        }
        finally { _tokenLock.Release(); }
    }
}

internal static class GatewayCalls
{
    /// <summary>A call that did not get an answer (refused connection, timeout) is an outage: worth retrying.</summary>
    public static async Task<GatewayAnswer> RunAsync(Func<Task<GatewayAnswer>> call)
    {
        try { return await call(); }
        catch (HttpRequestException e) { return new GatewayAnswer.Transient($"gateway unreachable: {e.Message}"); }
        catch (TaskCanceledException) { return new GatewayAnswer.Transient("gateway timed out"); }
        catch (JsonException e) { return new GatewayAnswer.Transient($"gateway answered unreadably: {e.Message}"); }
    }

    public static async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        return $"HTTP {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}";
    }
}
