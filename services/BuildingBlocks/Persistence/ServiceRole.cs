using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace MaternityCloud.BuildingBlocks.Persistence;

/// <summary>
/// The PostgreSQL role a service works as, apart from the owner its configured connection names. The owner applies the
/// schema and grants the role what the service needs: read and write its tables, but only SELECT and INSERT on
/// <c>audit_log</c>; owning nothing, the role can neither alter, disable the triggers of, nor drop a table, so the audit
/// log cannot be undone through the service's own connection. The role's password is derived from the owner's (every
/// replica arrives at the same one without sharing anything else), unless <c>Database:ServiceRolePassword</c> gives it:
/// a deployment's migration Job creates the role with that password as the owner, and the replicas connect as the role
/// with <c>Database:OwnRole</c> false, never holding the owner's password (deploy/kubernetes).
/// </summary>
public sealed class ServiceRole
{
    private ServiceRole(string ownerConnectionString, string serviceConnectionString, string? name)
    {
        OwnerConnectionString = ownerConnectionString;
        ServiceConnectionString = serviceConnectionString;
        Name = name;
    }

    /// <summary>The configured connection: the schema's owner, used to apply the schema scripts and to grant the role.</summary>
    public string OwnerConnectionString { get; }

    /// <summary>What the service connects with at work.</summary>
    public string ServiceConnectionString { get; }

    /// <summary>The role's name, or null when the service works as the configured user.</summary>
    public string? Name { get; }

    public static ServiceRole For(string connectionString, string connectionName, bool ownRole, string? rolePassword = null)
    {
        var owner = new NpgsqlConnectionStringBuilder(connectionString);
        if (!ownRole || string.IsNullOrEmpty(owner.Password)) return new ServiceRole(connectionString, connectionString, null);
        if (string.IsNullOrEmpty(owner.Database))
            throw new InvalidOperationException($"ConnectionStrings:{connectionName} names no Database: the service's role is granted one database");
        var name = RoleName(owner.Database ?? connectionName);
        var service = new NpgsqlConnectionStringBuilder(connectionString) { Username = name, Password = string.IsNullOrEmpty(rolePassword) ? PasswordFor(owner.Password, name) : rolePassword };
        return new ServiceRole(connectionString, service.ConnectionString, name);
    }

    /// <summary>
    /// Creates or updates the role and grants it the service's tables, as the owner, after the schema scripts ran (so
    /// tables they added are granted too).
    /// </summary>
    internal async Task GrantAsync(NpgsqlConnection owner, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (Name is null) return;
        await using (var may = new NpgsqlCommand("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user", owner, tx))
        {
            if (await may.ExecuteScalarAsync(ct) is not true)
                throw new InvalidOperationException(
                    $"the database user {owner.UserName} may not create the service's role {Name}: grant it CREATEROLE, or give the service a role of its own and set Database__OwnRole=false");
        }
        var role = Quote(Name);
        var password = new NpgsqlConnectionStringBuilder(ServiceConnectionString).Password!.Replace("'", "''");
        var sql = $"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Name.Replace("'", "''")}') THEN CREATE ROLE {role} LOGIN; END IF;
            END $$;
            ALTER ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}';
            GRANT CONNECT ON DATABASE {Quote(owner.Database!)} TO {role};
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migration FROM {role};
            DO $$ BEGIN
              IF to_regclass('audit_log') IS NOT NULL THEN REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}; END IF;
            END $$;
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
            """;
        await using var grant = new NpgsqlCommand(sql, owner, tx);
        await grant.ExecuteNonQueryAsync(ct);
    }

    /// <summary>"{database}_service", shortened with a hash where PostgreSQL's 63-character names would cut it.</summary>
    private static string RoleName(string database)
    {
        var name = $"{database}_service".ToLowerInvariant();
        if (name.Length <= 63) return name;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12].ToLowerInvariant();
        return $"{name[..(63 - 13)]}_{hash}";
    }

    private static string PasswordFor(string ownerPassword, string role) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ownerPassword), Encoding.UTF8.GetBytes("maternitycloud-service-role:" + role)));

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
