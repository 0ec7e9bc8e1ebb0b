using System.Globalization;
using System.Text;
using Npgsql;

namespace MaternityCloud.Bench;

/// <summary>
/// PostgreSQL's own account of the statements every database ran between a reset and a read (pg_stat_statements, which
/// the bench preloads), per unit of work: where the server's share of a settlement goes, statement by statement.
/// </summary>
public static class StatementProfile
{
    public const string Preload = "--postgres:Settings:shared_preload_libraries=pg_stat_statements";

    public static async Task ResetAsync(NpgsqlDataSource data)
    {
        await using (var create = data.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")) await create.ExecuteNonQueryAsync();
        await using var reset = data.CreateCommand("SELECT pg_stat_statements_reset()");
        await reset.ExecuteNonQueryAsync();
    }

    /// <summary>Per database, then the statements run most often, as tables: calls and milliseconds per unit.</summary>
    public static async Task<string> ReadAsync(NpgsqlDataSource data, string unit, int units, int top = 30)
    {
        var s = new StringBuilder();
        await using (var totals = data.CreateCommand("SELECT coalesce(sum(calls), 0)::float8, coalesce(sum(total_exec_time), 0)::float8 FROM pg_stat_statements"))
        await using (var reader = await totals.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            s.AppendLine(FormattableString.Invariant(
                $"PostgreSQL statements per {unit}: {reader.GetDouble(0) / units:0.0} executed, {reader.GetDouble(1) / units:0.00} ms executing (pg_stat_statements: wall time inside the server, so on a saturated machine it includes waiting for a core; parse, network and commit waits are not in it)."));
        }
        s.AppendLine();
        s.AppendLine($"| database | statements per {unit} | ms per {unit} |");
        s.AppendLine("|---|---:|---:|");
        await using (var byDatabase = data.CreateCommand("""
            SELECT d.datname, sum(s.calls)::float8, sum(s.total_exec_time)::float8
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid GROUP BY d.datname ORDER BY 2 DESC
            """))
        await using (var reader = await byDatabase.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                s.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {reader.GetString(0)} | {reader.GetDouble(1) / units:0.0} | {reader.GetDouble(2) / units:0.00} |"));
        s.AppendLine();
        s.AppendLine($"The {top} statements run most often:");
        s.AppendLine();
        s.AppendLine($"| database | calls per {unit} | ms per {unit} | statement |");
        s.AppendLine("|---|---:|---:|---|");
        await using var command = data.CreateCommand("""
            SELECT d.datname, s.calls::float8, s.total_exec_time, left(regexp_replace(s.query, '\s+', ' ', 'g'), 140)
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid ORDER BY s.calls DESC LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = top });
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                s.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {reader.GetString(0)} | {reader.GetDouble(1) / units:0.00} | {reader.GetDouble(2) / units:0.000} | `{reader.GetString(3).Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal)}` |"));
        return s.ToString();
    }
}
