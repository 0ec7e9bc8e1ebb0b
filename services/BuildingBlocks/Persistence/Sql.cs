using Npgsql;

namespace MaternityCloud.BuildingBlocks.Persistence;

/// <summary>
/// SQL with positional parameters ($1, $2, …) in the order given; null becomes SQL NULL, and a parameter made by
/// <see cref="Optional"/> is passed as it is.
/// </summary>
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

    /// <summary>A value that may be null, with its type: an optional filter ("$1::text IS NULL OR …") keeps its type when absent.</summary>
    public static NpgsqlParameter Optional(object? value, NpgsqlTypes.NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static void Add(NpgsqlParameterCollection collection, object?[] parameters)
    {
        foreach (var value in parameters) collection.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
    }
}
