using System.Text.Json;
using System.Xml.Linq;
using MaternityCloud.Contracts.Gateways;
using MaternityCloud.Notifications.Domain;
using MaternityCloud.Notifications.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MaternityCloud.Notifications.Application;

/// <summary>
/// What the gateways report back: SMS delivery receipts (状态报告) and replies (上行, where 退订 or TD opts out), and the
/// official account's pushes (a template message's fate, an unfollow). Each request must carry a valid signature.
/// </summary>
public static partial class GatewayCallbacks
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase) { "TD", "T", "N", "退订", "取消", "STOP", "0000" };

    public static IEndpointRouteBuilder MapGatewayCallbacks(this IEndpointRouteBuilder app)
    {
        var gateway = app.MapGroup("/gateway");
        gateway.MapPost("/sms/receipts", SmsReceiptsAsync);
        gateway.MapPost("/sms/replies", SmsRepliesAsync);
        gateway.MapGet("/official-account", OfficialAccountVerify);
        gateway.MapPost("/official-account", OfficialAccountPushAsync);
        return app;
    }

    private static async Task<IResult> SmsReceiptsAsync(HttpRequest request, MessageStore store, IOptions<SmsGatewayOptions> sms, TimeProvider clock, ILoggerFactory logs, CancellationToken ct)
    {
        var (body, refused) = await SignedBodyAsync(request, sms.Value, ct);
        if (refused is not null) return refused;
        var receipts = JsonSerializer.Deserialize<List<SmsReceipt>>(body, Json) ?? [];
        var unmatched = 0;
        foreach (var r in receipts)
            if (!await store.ApplyReceiptAsync(Channel.Sms, r.MessageId, r.Delivered, r.Delivered ? null : $"carrier: {r.ErrorCode}", r.ReportedAt, clock.GetUtcNow(), ct))
                unmatched++;
        if (unmatched > 0) LogUnmatched(logs.CreateLogger(nameof(GatewayCallbacks)), unmatched);
        return Results.Ok(new { accepted = receipts.Count });
    }

    private static async Task<IResult> SmsRepliesAsync(HttpRequest request, NpgsqlDataSource dataSource, IOptions<SmsGatewayOptions> sms, TimeProvider clock, CancellationToken ct)
    {
        var (body, refused) = await SignedBodyAsync(request, sms.Value, ct);
        if (refused is not null) return refused;
        var replies = JsonSerializer.Deserialize<List<SmsReply>>(body, Json) ?? [];
        var optedOut = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var reply in replies.Where(r => StopWords.Contains(r.Content.Trim())))
            optedOut += await ContactStore.OptOutPhoneAsync(connection, reply.PhoneNumber.Trim(), clock.GetUtcNow(), "sms-reply", ct);
        return Results.Ok(new { accepted = replies.Count, optedOut });
    }

    /// <summary>WeChat checks the server URL by a signed GET and expects echostr back.</summary>
    private static IResult OfficialAccountVerify(string? signature, string? timestamp, string? nonce, string? echostr, IOptions<OfficialAccountOptions> account) =>
        OfficialAccountSignature.Verify(account.Value.Token, timestamp, nonce, signature) ? Results.Text(echostr ?? "") : Results.Unauthorized();

    private static async Task<IResult> OfficialAccountPushAsync(HttpRequest request, string? signature, string? timestamp, string? nonce,
        MessageStore store, NpgsqlDataSource dataSource, IOptions<OfficialAccountOptions> account, TimeProvider clock, CancellationToken ct)
    {
        if (!OfficialAccountSignature.Verify(account.Value.Token, timestamp, nonce, signature)) return Results.Unauthorized();
        XElement push;
        try { push = await XElement.LoadAsync(request.Body, LoadOptions.None, ct); }
        catch (System.Xml.XmlException) { return Results.BadRequest("not an official-account push (XML)"); }
        var openId = (string?)push.Element("FromUserName") ?? "";
        switch ((string?)push.Element("Event"))
        {
            case "TEMPLATESENDJOBFINISH":
                var status = (string?)push.Element("Status") ?? "";
                var reportedAt = long.TryParse((string?)push.Element("CreateTime"), out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : clock.GetUtcNow();
                await store.ApplyReceiptAsync(Channel.OfficialAccount, (string?)push.Element("MsgID") ?? "", status == "success",
                    status == "success" ? null : $"wechat: {status}", reportedAt, clock.GetUtcNow(), ct);
                break;
            case "unsubscribe":
                await using (var connection = await dataSource.OpenConnectionAsync(ct))
                    await ContactStore.UnbindOpenIdAsync(connection, openId, clock.GetUtcNow(), "official-account-unsubscribe", ct);
                break;
        }
        return Results.Text("success"); // WeChat's expected answer; anything else makes it push again
    }

    private static async Task<(string Body, IResult? Refused)> SignedBodyAsync(HttpRequest request, SmsGatewayOptions sms, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(ct);
        // The signature's freshness is judged by the wall clock, not the business clock.
        var valid = SmsGatewaySignature.Verify(sms.AccessKeyId, sms.AccessKeySecret, name => request.Headers[name], body, DateTimeOffset.UtcNow);
        return valid ? (body, null) : (body, Results.Unauthorized());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} SMS receipts name no sent message yet; they are kept and applied when it is recorded")]
    private static partial void LogUnmatched(ILogger logger, int count);
}
