using System.Net.Http.Json;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using MaternityCloud.Contracts.Gateways;
using Microsoft.Extensions.Options;

namespace MaternityCloud.LocalGateway;

/// <summary>A report for Notifications: a receipt for a message, or a reply from a phone.</summary>
public abstract record Report(DateTimeOffset NotBefore)
{
    public sealed record Receipt(SentMessage Message, bool Delivered, string? ErrorCode, DateTimeOffset At) : Report(At);
    public sealed record Reply(string PhoneNumber, string Content, DateTimeOffset At) : Report(At);
}

/// <summary>
/// Sends receipts and replies to Notifications the way the real gateways do: SMS receipts and replies as signed JSON,
/// official-account results as WeChat's signed XML push. A report that cannot be delivered is tried again.
/// </summary>
public sealed partial class ReceiptSender(IHttpClientFactory clients, IOptions<LocalGatewayOptions> options, ILogger<ReceiptSender> logger)
    : BackgroundService
{
    public const string Client = "notifications";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Channel<Report> _reports = Channel.CreateUnbounded<Report>();

    public void Enqueue(Report report) => _reports.Writer.TryWrite(report);

    /// <summary>Sends one report now; false when Notifications did not take it.</summary>
    public async Task<bool> SendAsync(Report report, CancellationToken ct)
    {
        var o = options.Value;
        var http = clients.CreateClient(Client);
        HttpRequestMessage request;
        switch (report)
        {
            case Report.Receipt { Message.Channel: Channels.Sms } r:
                request = Signed("/gateway/sms/receipts", JsonSerializer.Serialize(new[] { new SmsReceipt(r.Message.GatewayMessageId, r.Delivered, r.ErrorCode, r.At) }, Json));
                break;
            case Report.Receipt r:
                var (timestamp, nonce) = (r.At.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Guid.NewGuid().ToString("N"));
                var signature = OfficialAccountSignature.Compute(o.OfficialAccount.Token, timestamp, nonce);
                var status = r.Delivered ? "success" : $"failed:{r.ErrorCode ?? "user block"}";
                var xml = $"<xml><ToUserName><![CDATA[gh_local]]></ToUserName><FromUserName><![CDATA[{SecurityElement.Escape(r.Message.To)}]]></FromUserName>" +
                          $"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>" +
                          $"<MsgID>{r.Message.GatewayMessageId}</MsgID><Status><![CDATA[{status}]]></Status></xml>";
                request = new HttpRequestMessage(HttpMethod.Post, $"/gateway/official-account?signature={signature}&timestamp={timestamp}&nonce={nonce}")
                {
                    Content = new StringContent(xml, Encoding.UTF8, "text/xml"),
                };
                break;
            case Report.Reply r:
                request = Signed("/gateway/sms/replies", JsonSerializer.Serialize(new[] { new SmsReply(r.PhoneNumber, r.Content, r.At) }, Json));
                break;
            default:
                return false;
        }
        try
        {
            using (request)
            using (var response = await http.SendAsync(request, ct))
                return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException e)
        {
            LogUndeliverable(e);
            return false;
        }
    }

    private HttpRequestMessage Signed(string path, string body)
    {
        var sms = options.Value.Sms;
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in SmsGatewaySignature.Headers(sms.AccessKeyId, sms.AccessKeySecret, body, DateTimeOffset.UtcNow))
            request.Headers.Add(name, value);
        return request;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var report in _reports.Reader.ReadAllAsync(stoppingToken))
        {
            var wait = report.NotBefore - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, stoppingToken);
            if (!await SendAsync(report, stoppingToken))
            {
                // Carriers retry receipts; so does this, a little later, without holding up the others.
                _ = Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => Enqueue(report), TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A receipt could not be delivered to Notifications; it will be retried")]
    private partial void LogUndeliverable(Exception e);
}
