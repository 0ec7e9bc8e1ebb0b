using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Persistence;

public static class PostgresExtensions
{
    /// <summary>
    /// Registers the service's own database from <c>ConnectionStrings:{connectionName}</c> (the AppHost injects it
    /// as <c>ConnectionStrings__{connectionName}</c>), applies the schema scripts embedded in
    /// <paramref name="schemaAssemblies"/> at start, and adds a readiness check. The scripts run as the connection's
    /// user, who owns the schema; the service itself then works as its own role (<see cref="ServiceRole"/>), which may
    /// read and write its tables but only add to the audit log, and can neither alter nor drop what it does not own.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase(
        this IHostApplicationBuilder builder, string connectionName, params Assembly[] schemaAssemblies)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"Connection string '{connectionName}' is missing: set ConnectionStrings__{connectionName} (the AppHost does).");
        var role = ServiceRole.For(connectionString, connectionName, builder.Configuration.GetValue("Database:OwnRole", true),
            builder.Configuration["Database:ServiceRolePassword"]);
        builder.Services.AddSingleton(role);
        builder.Services.AddSingleton(new SchemaMigrationMode(builder.Configuration.GetValue("Database:Migrations", SchemaMigrations.Apply)));
        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(role.ServiceConnectionString) { Name = connectionName };
            // The services run the same few statements all day: let Npgsql prepare them (parse and plan once per
            // connection) unless the connection string says otherwise.
            if (!role.ServiceConnectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase))
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
            return dataSource.Build();
        });
        foreach (var assembly in schemaAssemblies)
            builder.Services.AddSingleton(new SchemaScripts(assembly));
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SchemaMigrator>());
        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>(connectionName, tags: ["ready"]);
        return builder;
    }
}

public static class ServiceHostExtensions
{
    /// <summary>
    /// Runs the service; or, with <c>Database:Migrations=Only</c> (a deployment's migration Job), applies its schema
    /// scripts as the schema's owner, grants its role, and exits without serving or connecting to anything else.
    /// </summary>
    public static void RunOrMigrate(this IHost app)
    {
        if (app.Services.GetService<SchemaMigrationMode>()?.Value != SchemaMigrations.Only)
        {
            app.Run();
            return;
        }
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        app.Services.GetRequiredService<SchemaMigrator>().ApplyAsync(stop.Token).GetAwaiter().GetResult();
    }
}

/// <summary>An assembly whose embedded <c>*.sql</c> resources are applied in name order, once each.</summary>
public sealed record SchemaScripts(Assembly Assembly);

internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(ct);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL is not reachable", e);
        }
    }
}
