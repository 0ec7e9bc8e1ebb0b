using System.Text.Json;
using MaternityCloud.Claims.Application;
using MaternityCloud.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace MaternityCloud.Claims.Infrastructure;

/// <summary>
/// The fast path for hospital retries: the settlement a request id produced, with the request's fingerprint, kept in
/// Redis for a day. It is only a shortcut: the database's unique (institution, request id) is the guarantee, so when
/// Redis is away or has forgotten, the retry is answered from PostgreSQL and still never pays twice.
/// </summary>
public sealed partial class SettlementReplies(RedisStore redis, ILogger<SettlementReplies> logger)
{
    private static readonly TimeSpan Keep = TimeSpan.FromHours(24);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { IncludeFields = true };

    private sealed record Entry(byte[] Fingerprint, SettlementRecord Settlement);

    public async Task<(byte[] Fingerprint, SettlementRecord Record)?> TryGetAsync(string institutionCode, string requestId)
    {
        try
        {
            var value = await redis.Database.StringGetAsync(Key(institutionCode, requestId));
            if (value.IsNullOrEmpty) return null;
            var entry = JsonSerializer.Deserialize<Entry>((byte[])value!, Json)!;
            return (entry.Fingerprint, entry.Settlement);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or JsonException)
        {
            LogUnavailable(e);
            return null;
        }
    }

    public async Task StoreAsync(byte[] fingerprint, SettlementRecord settlement)
    {
        try
        {
            // Fire and forget: the hospital's answer does not wait for the shortcut to be stored.
            await redis.Database.StringSetAsync(Key(settlement.InstitutionCode, settlement.RequestId),
                JsonSerializer.SerializeToUtf8Bytes(new Entry(fingerprint, settlement), Json), Keep, flags: CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnavailable(e);
        }
    }

    /// <summary>After a reversal: the next retry reads the settlement's current state from the database.</summary>
    public async Task ForgetAsync(string institutionCode, string requestId)
    {
        try { await redis.Database.KeyDeleteAsync(Key(institutionCode, requestId)); }
        catch (Exception e) when (e is RedisException or TimeoutException) { LogUnavailable(e); }
    }

    private static RedisKey Key(string institutionCode, string requestId) => $"settlement:{institutionCode}:{requestId}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is not answering; settlement retries are answered from PostgreSQL")]
    private partial void LogUnavailable(Exception e);
}
