using Npgsql;

namespace MaternityCloud.Bench;

/// <summary>What every bench does the same way: its platform's private state folder, and the bare-commit baseline.</summary>
public static class BenchState
{
    /// <summary>A fresh state folder for one bench's platform (its servers' data, its issuer key), under the temp folder.</summary>
    public static string NewFolder() => Path.Combine(Path.GetTempPath(), "maternitycloud-bench-" + Guid.NewGuid().ToString("N")[..8]);

    public static void Remove(string folder)
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The baseline every settlement figure is compared with: one single-row insert, committed on its own.</summary>
    public static async Task<Func<Task>> BareCommitAsync(NpgsqlDataSource data)
    {
        await using (var create = data.CreateCommand("CREATE TABLE IF NOT EXISTS bench_commit (id uuid PRIMARY KEY, at timestamptz NOT NULL)"))
            await create.ExecuteNonQueryAsync();
        return async () =>
        {
            await using var insert = data.CreateCommand("INSERT INTO bench_commit VALUES ($1, now())");
            insert.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
            await insert.ExecuteNonQueryAsync();
        };
    }
}
