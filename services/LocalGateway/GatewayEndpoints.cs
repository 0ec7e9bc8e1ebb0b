using System.Text.Json;
using MaternityCloud.Contracts.Gateways;
using Microsoft.Extensions.Options;

namespace MaternityCloud.LocalGateway;

public static class GatewayEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string AccessToken = "local-" + Guid.NewGuid().ToString("N");

    /// <summary>POST /sms/send: the signed SMS protocol (<see cref="SmsGatewaySignature"/>).</summary>
    public static IEndpointRouteBuilder MapSmsGateway(this IEndpointRouteBuilder app)
    {
        app.MapPost("/sms/send", async (HttpRequest request, GatewayLog log, ReceiptSender receipts, IOptions<LocalGatewayOptions> options, CancellationToken ct) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(ct);
            var sms = options.Value.Sms;
            if (!SmsGatewaySignature.Verify(sms.AccessKeyId, sms.AccessKeySecret, name => request.Headers[name], body, DateTimeOffset.UtcNow))
                return Results.Json(new SmsError("signature", "the request is not signed with this gateway's key"), statusCode: 401);
            var send = JsonSerializer.Deserialize<SmsSendRequest>(body, Json);
            if (send is null || string.IsNullOrWhiteSpace(send.ClientMessageId) || string.IsNullOrWhiteSpace(send.Content))
                return Results.Json(new SmsError("invalid-request", "clientMessageId and content are required"), statusCode: 400);
            var fault = log.NextFault(Channels.Sms);
            switch (fault)
            {
                case "unavailable": return Results.Json(new SmsError("unavailable", "the gateway is unavailable (simulated outage)"), statusCode: 503);
                case "reject": return Results.Json(new SmsError("invalid-number", "the number cannot receive SMS (simulated)"), statusCode: 400);
            }
            if (send.PhoneNumber.Length != 11 || !send.PhoneNumber.All(char.IsAsciiDigit) || send.PhoneNumber[0] != '1')
                return Results.Json(new SmsError("invalid-number", "not a mainland mobile number"), statusCode: 400);
            var (message, isNew) = log.Take(Channels.Sms, send.ClientMessageId, () => new SentMessage(Channels.Sms, "SMS" + log.NextId(Channels.Sms, fault), send.ClientMessageId,
                send.PhoneNumber, send.SignName, send.TemplateCode, send.Content, new Dictionary<string, string>(), null, DateTimeOffset.UtcNow));
            if (isNew && options.Value.AutoReceipts)
                receipts.Enqueue(new Report.Receipt(message, true, null, DateTimeOffset.UtcNow + options.Value.ReceiptDelay));
            return Results.Json(new SmsSendResponse(message.GatewayMessageId));
        });
        return app;
    }

    /// <summary>GET /cgi-bin/token and POST /cgi-bin/message/template/send, as WeChat answers them.</summary>
    public static IEndpointRouteBuilder MapOfficialAccountApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/cgi-bin/token", (string? appid, string? secret, IOptions<LocalGatewayOptions> options) =>
        {
            var account = options.Value.OfficialAccount;
            return appid == account.AppId && secret == account.AppSecret
                ? Results.Json(new AccessTokenResponse(AccessToken, 7200))
                : Results.Json(new AccessTokenResponse(null, 0, 40013, "invalid appid"));
        });
        app.MapPost("/cgi-bin/message/template/send", (string? access_token, TemplateMessageRequest send, GatewayLog log, ReceiptSender receipts,
            IOptions<LocalGatewayOptions> options) =>
        {
            if (access_token != AccessToken) return Results.Json(new TemplateMessageResponse(OfficialAccountErrors.InvalidCredential, "invalid credential"));
            var fault = log.NextFault(Channels.OfficialAccount);
            switch (fault)
            {
                case "unavailable": return Results.Json(new TemplateMessageResponse(OfficialAccountErrors.SystemBusy, "system error (simulated)"));
                case "reject": return Results.Json(new TemplateMessageResponse(OfficialAccountErrors.RequireSubscribe, "require subscribe (simulated)"));
            }
            var (message, isNew) = log.Take(Channels.OfficialAccount, $"{send.ToUser}:{send.ClientMessageId}", () => new SentMessage(Channels.OfficialAccount,
                log.NextId(Channels.OfficialAccount, fault), send.ClientMessageId, send.ToUser, null, send.TemplateId, string.Join('\n', send.Data.Values.Select(v => v.Value)),
                send.Data.ToDictionary(d => d.Key, d => d.Value.Value), send.Url, DateTimeOffset.UtcNow));
            if (isNew && options.Value.AutoReceipts)
                receipts.Enqueue(new Report.Receipt(message, true, null, DateTimeOffset.UtcNow + options.Value.ReceiptDelay));
            return Results.Json(new TemplateMessageResponse(0, "ok", long.Parse(message.GatewayMessageId, System.Globalization.CultureInfo.InvariantCulture)));
        });
        return app;
    }

    /// <summary>
    /// What a developer, a test or the dashboard uses: the messages taken (addresses masked; ?to= filters by the full
    /// address), faults to produce, receipts and replies to report now.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayControl(this IEndpointRouteBuilder app)
    {
        app.MapGet("/messages", (string? to, string? channel, GatewayLog log) => Results.Json(new
        {
            calls = log.Calls,
            messages = log.Messages
                .Where(m => (to is null || m.To == to) && (channel is null || m.Channel == channel))
                .Select(m => new
                {
                    m.Channel, m.GatewayMessageId, m.ClientMessageId, To = m.MaskedTo, m.SignName, m.TemplateCode, m.Text, m.Fields, m.Url, m.AcceptedAt,
                }),
        }));
        app.MapPost("/control/faults", (Fault fault, GatewayLog log) =>
        {
            if (fault.Channel is not (Channels.Sms or Channels.OfficialAccount) || fault.Mode is not ("unavailable" or "reject" or "repeat-id") || fault.Remaining < 1)
                return Results.BadRequest("channel sms|official-account, mode unavailable|reject|repeat-id, remaining >= 1");
            log.SetFault(fault);
            return Results.Ok(fault);
        });
        app.MapDelete("/control/faults", (GatewayLog log) =>
        {
            log.ClearFaults();
            return Results.NoContent();
        });
        app.MapPost("/control/receipts", async (ReceiptRequest r, GatewayLog log, ReceiptSender sender, CancellationToken ct) =>
            log.Find(r.Channel, r.GatewayMessageId) is { } message
                ? await sender.SendAsync(new Report.Receipt(message, r.Delivered, r.ErrorCode, DateTimeOffset.UtcNow), ct) ? Results.Ok() : Results.StatusCode(502)
                : Results.NotFound());
        app.MapPost("/control/replies", async (ReplyRequest r, ReceiptSender sender, CancellationToken ct) =>
            await sender.SendAsync(new Report.Reply(r.PhoneNumber, r.Content, DateTimeOffset.UtcNow), ct) ? Results.Ok() : Results.StatusCode(502));
        return app;
    }

    public sealed record ReceiptRequest(string Channel, string GatewayMessageId, bool Delivered, string? ErrorCode);

    public sealed record ReplyRequest(string PhoneNumber, string Content);
}
