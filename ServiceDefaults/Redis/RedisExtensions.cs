using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace MaternityCloud.ServiceDefaults.Redis;

/// <summary>The service's Redis: hot state and idempotency keys, all under the service's key prefix.</summary>
public sealed class RedisStore(IConnectionMultiplexer connection, string keyPrefix)
{
    public IConnectionMultiplexer Connection { get; } = connection;
    public string KeyPrefix { get; } = keyPrefix;

    /// <summary>Every key this returns is prefixed, so services (and tests) sharing one Redis never collide.</summary>
    public IDatabase Database => Connection.GetDatabase().WithKeyPrefix(KeyPrefix);
}

public static class RedisExtensions
{
    /// <summary>
    /// Connects to <c>ConnectionStrings:redis</c> and adds a readiness check. The key prefix is
    /// <c>Redis:KeyPrefix</c>, by default "{serviceName}:".
    /// </summary>
    public static IHostApplicationBuilder AddRedisStore(this IHostApplicationBuilder builder, string serviceName)
    {
        var connectionString = builder.Configuration.GetConnectionString("redis")
            ?? throw new InvalidOperationException("Connection string 'redis' is missing: set ConnectionStrings__redis (the AppHost does).");
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false; // start even if Redis is briefly away; health says not ready meanwhile
        // Redis holds hot state, never the truth: while it is away a command fails at once and the caller falls back
        // to PostgreSQL, instead of queueing until the command times out (seconds added to every call).
        options.BacklogPolicy = BacklogPolicy.FailFast;
        var prefix = builder.Configuration["Redis:KeyPrefix"] ?? $"{serviceName}:";

        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var connection = ConnectionMultiplexer.Connect(options);
            sp.GetRequiredService<RedisCommandMetrics.Registration>().Attach(connection);
            return connection;
        });
        builder.Services.AddSingleton<RedisCommandMetrics.Registration>();
        builder.Services.AddSingleton(sp => new RedisStore(sp.GetRequiredService<IConnectionMultiplexer>(), prefix));
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return builder;
    }
}

internal sealed class RedisHealthCheck(IConnectionMultiplexer connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await connection.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis is not reachable", e);
        }
    }
}
