using System.Text.Json;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.ServiceDefaults.Redis;
using Npgsql;
using StackExchange.Redis;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>
/// Eligibility answers in Redis, one hash per subject ("elig:{subject}") with a "rev" field and one field per
/// (benefit, date, policy generation, cache generation); the answer names the person's region. Three rules keep it from ever answering stale:
/// <list type="bullet">
/// <item>a change bumps the subject's revision in its transaction and, after commit, replaces the hash with an empty
/// one carrying the new revision;</item>
/// <item>an answer is stored only if it was computed from a revision at least as new as the hash's (a reader that
/// started before the change cannot put its old answer back);</item>
/// <item>if an invalidation cannot reach Redis, this replica stops using the cache until it has bumped the global
/// cache generation, which orphans every answer stored before; and it raises a suspicion in the database, which every
/// other replica sees within <c>Enrollment:CacheSuspicionPoll</c> (1 s) and treats the same way, since the answers it
/// could not drop are in the cache they share.</item>
/// </list>
/// Redis being down never fails a check: the answer is computed from the database.
/// </summary>
public sealed partial class EligibilityCache(RedisStore redis, NpgsqlDataSource database, ILogger<EligibilityCache> logger)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private const string GenerationKey = "elig:gen";

    private static readonly LuaScript ReadScript = LuaScript.Prepare(
        """
        local g = redis.call('GET', @gen) or '0'
        return {g, redis.call('HGET', @hash, @field .. '|' .. g)}
        """);

    private static readonly LuaScript StoreScript = LuaScript.Prepare(
        """
        local g = redis.call('GET', @gen) or '0'
        if g ~= @observed then return 0 end
        local r = tonumber(redis.call('HGET', @hash, 'rev') or '-1')
        local mine = tonumber(@rev)
        if r > mine then return 0 end
        if r < mine then
          redis.call('DEL', @hash)
          redis.call('HSET', @hash, 'rev', @rev)
        end
        redis.call('HSET', @hash, @field .. '|' .. g, @answer)
        redis.call('EXPIRE', @hash, @ttl)
        return 1
        """);

    private static readonly LuaScript InvalidateScript = LuaScript.Prepare(
        """
        local r = tonumber(redis.call('HGET', @hash, 'rev') or '-1')
        if r >= tonumber(@rev) then return 0 end
        redis.call('DEL', @hash)
        redis.call('HSET', @hash, 'rev', @rev)
        redis.call('EXPIRE', @hash, @ttl)
        return 1
        """);

    private volatile bool _mustBumpGeneration;
    private long _suspicionSeen; // the highest suspicion this replica has seen raised and not yet seen cleared

    public readonly record struct Lookup(EligibilityDecision? Decision, string? Generation);

    public async Task<Lookup> TryGetAsync(string subject, string field)
    {
        if (!await UsableAsync()) return default;
        try
        {
            var result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(ReadScript,
                new { gen = (RedisKey)GenerationKey, hash = (RedisKey)HashKey(subject), field }))!;
            var generation = (string)result[0]!;
            var cached = (RedisValue)result[1];
            return new Lookup(cached.IsNull ? null : JsonSerializer.Deserialize<EligibilityDecision>((string)cached!), generation);
        }
        catch (Exception e) when (IsCacheFault(e))
        {
            LogCacheUnavailable(e);
            return default;
        }
    }

    /// <summary>Stores an answer computed from <paramref name="revision"/>, unless a change or a flush has overtaken it.</summary>
    public async Task StoreAsync(string subject, string field, string generation, long revision, EligibilityDecision decision)
    {
        try
        {
            await redis.Database.ScriptEvaluateAsync(StoreScript, new
            {
                gen = (RedisKey)GenerationKey, hash = (RedisKey)HashKey(subject), field, observed = generation,
                rev = revision, answer = JsonSerializer.Serialize(decision), ttl = (long)Lifetime.TotalSeconds,
            });
        }
        catch (Exception e) when (IsCacheFault(e))
        {
            LogCacheUnavailable(e);
        }
    }

    /// <summary>After a committed change: drops the subjects' answers. Never throws; see the class comment.</summary>
    public async Task InvalidateAsync(IReadOnlyCollection<SubjectRevision> revisions)
    {
        if (revisions.Count == 0) return;
        try
        {
            var database = redis.Database;
            var pending = new List<Task>(Math.Min(revisions.Count, 1024));
            foreach (var chunk in revisions.Chunk(1024))
            {
                // Pipelined: a bulk import's many subjects cost a few round trips, not one each.
                pending.Clear();
                foreach (var r in chunk)
                    pending.Add(database.ScriptEvaluateAsync(InvalidateScript,
                        new { hash = (RedisKey)HashKey(r.Subject), rev = r.Revision, ttl = (long)Lifetime.TotalSeconds }));
                await Task.WhenAll(pending);
            }
        }
        catch (Exception e) when (IsCacheFault(e))
        {
            _mustBumpGeneration = true;
            LogInvalidationFailed(revisions.Count, e);
            await RaiseSuspicionAsync();
        }
    }

    /// <summary>Tells every replica that answers this one could not drop may still be in the cache they share.</summary>
    private async Task RaiseSuspicionAsync()
    {
        try
        {
            await using var raise = database.CreateCommand("UPDATE eligibility_cache_suspicion SET raised = raised + 1, raised_at = now()");
            await raise.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogSuspicionNotShared(e);
        }
    }

    /// <summary>
    /// Run every <c>Enrollment:CacheSuspicionPoll</c> on every replica: a suspicion raised anywhere and not yet cleared
    /// makes this replica orphan the cache's answers before it reads the cache again.
    /// </summary>
    public async Task WatchSuspicionAsync(CancellationToken ct)
    {
        await using var read = database.CreateCommand("SELECT raised, cleared FROM eligibility_cache_suspicion");
        await using var reader = await read.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return;
        var (raised, cleared) = (reader.GetInt64(0), reader.GetInt64(1));
        if (raised <= cleared) return;
        Interlocked.Exchange(ref _suspicionSeen, raised);
        _mustBumpGeneration = true;
    }

    /// <summary>Orphans every stored answer at once (an operator loaded region parameters, or recovery after an outage).</summary>
    public async Task<bool> FlushAsync()
    {
        try
        {
            await redis.Database.StringIncrementAsync(GenerationKey);
            return true;
        }
        catch (Exception e) when (IsCacheFault(e))
        {
            _mustBumpGeneration = true;
            LogInvalidationFailed(0, e);
            return false;
        }
    }

    private async Task<bool> UsableAsync()
    {
        if (!_mustBumpGeneration) return true;
        _mustBumpGeneration = false;
        var suspicion = Interlocked.Read(ref _suspicionSeen);
        if (!await FlushAsync()) return false;
        LogCacheFlushedAfterOutage();
        if (suspicion > 0) await ClearSuspicionAsync(suspicion);
        return true;
    }

    /// <summary>The cache's answers up to <paramref name="suspicion"/> are orphaned: nobody need flush for it again.</summary>
    private async Task ClearSuspicionAsync(long suspicion)
    {
        try
        {
            await using var clear = database.CreateCommand("UPDATE eligibility_cache_suspicion SET cleared = greatest(cleared, $1)");
            clear.Parameters.Add(new NpgsqlParameter { Value = suspicion });
            await clear.ExecuteNonQueryAsync();
            Interlocked.CompareExchange(ref _suspicionSeen, 0, suspicion);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogSuspicionNotShared(e); // another replica, or this one on its next poll, flushes again: harmless
        }
    }

    private static string HashKey(string subject) => $"elig:{subject}";

    /// <summary>
    /// Any failure of the cache is the cache's: none of these calls passes a token, and the Redis client surfaces a
    /// connection torn down under load not only as RedisException or TimeoutException but as InvalidOperationException
    /// ("Reading is not allowed after reader was completed") or TaskCanceledException. Those escaped as Unknown to the
    /// caller of an eligibility check (docs/performance.md, issue 21), and from an invalidation they would have skipped the
    /// bypass that keeps a stale answer from being read.
    /// </summary>
    private static bool IsCacheFault(Exception e) => e is not OutOfMemoryException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Eligibility cache unavailable; answering from the database")]
    private partial void LogCacheUnavailable(Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not invalidate {Count} cached eligibility answers; the cache is bypassed until it can be flushed")]
    private partial void LogInvalidationFailed(int count, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Eligibility cache flushed: Redis came back, or a replica could not drop changed answers")]
    private partial void LogCacheFlushedAfterOutage();

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record in the database that the eligibility cache may hold changed answers; other replicas learn it when they next fail to reach Redis or a flush happens")]
    private partial void LogSuspicionNotShared(Exception e);
}
