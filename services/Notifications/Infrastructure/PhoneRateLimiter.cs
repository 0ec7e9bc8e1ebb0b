using System.Security.Cryptography;
using System.Text;
using MaternityCloud.ServiceDefaults.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MaternityCloud.Notifications.Infrastructure;

public sealed class RateLimitOptions
{
    /// <summary>At most this many SMS to one phone number in <see cref="Window"/>; more wait for the next window.</summary>
    public int PerPhone { get; set; } = 5;
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// A fixed window per phone number in Redis, shared by every replica. The key is a hash of the number, so Redis never
/// holds a phone number. If Redis is away the limit is not enforced (the gateway has its own): reminders still go.
/// </summary>
public sealed partial class PhoneRateLimiter(RedisStore redis, IOptions<RateLimitOptions> options, ILogger<PhoneRateLimiter> logger)
{
    // Count this send; start the window with the first one. Returns the count and the window's remaining milliseconds.
    private static readonly LuaScript Take = LuaScript.Prepare(
        """
        local count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, @window) end
        local ttl = redis.call('PTTL', @key)
        if count > tonumber(@limit) then redis.call('DECR', @key) end
        return { count, ttl }
        """);

    // Only within the window the send was counted in: a key that expired meanwhile is not recreated (without a TTL).
    private static readonly LuaScript GiveBack = LuaScript.Prepare(
        "if redis.call('EXISTS', @key) == 1 then return redis.call('DECR', @key) end return 0");

    /// <summary>Null when the phone may be sent to now (and the send is counted); otherwise how long until it may.</summary>
    public async Task<TimeSpan?> WaitBeforeSendingAsync(string phone, CancellationToken ct)
    {
        var o = options.Value;
        try
        {
            var result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(Take,
                new { key = (RedisKey)Key(phone), window = (long)o.Window.TotalMilliseconds, limit = o.PerPhone }))!;
            var count = (long)result[0];
            var ttl = (long)result[1];
            return count <= o.PerPhone ? null : TimeSpan.FromMilliseconds(Math.Max(ttl, 1));
        }
        catch (RedisException e)
        {
            LogLimiterUnavailable(e);
            return null;
        }
    }

    /// <summary>Gives back the send counted for a message the gateway did not take: only what reaches the phone counts.</summary>
    public async Task ReleaseAsync(string phone)
    {
        try { await redis.Database.ScriptEvaluateAsync(GiveBack, new { key = (RedisKey)Key(phone) }); }
        catch (RedisException e) { LogLimiterUnavailable(e); }
    }

    private static string Key(string phone) =>
        "rate:sms:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(phone)))[..32];

    [LoggerMessage(Level = LogLevel.Warning, Message = "The per-phone rate limit is not enforced: Redis is unavailable")]
    private partial void LogLimiterUnavailable(Exception e);
}
