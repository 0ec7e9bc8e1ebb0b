using Npgsql;

namespace MaternityCloud.BuildingBlocks.Persistence;

/// <summary>SQL with positional parameters ($1, $2, …) in the order given; null becomes SQL NULL.</summary>
public static class Sql
{
    /// <summary>
    /// A command on an open connection. Inside a transaction it runs in that transaction (Npgsql enlists commands in the
    /// connection's transaction).
    /// </summary>
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        Add(command.Parameters, parameters);
        return command;
    }

    /// <summary>One statement of an <see cref="NpgsqlBatch"/>: several statements, one round trip.</summary>
    public static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, parameters);
        return command;
    }

    private static void Add(NpgsqlParameterCollection collection, object?[] parameters)
    {
        foreach (var value in parameters) collection.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
    }
}
