using System.Collections.Frozen;
using System.Text.Json;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Notifications.Domain;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.Notifications.Infrastructure;

/// <summary>
/// The versions in force, in memory: the latest version of each kind and channel renders new messages. Swapped whole
/// when the store reloads, so a notice never sees half a publish.
/// </summary>
public sealed class TemplateCatalog
{
    private volatile FrozenDictionary<(string, Channel), MessageTemplate> _latest = FrozenDictionary<(string, Channel), MessageTemplate>.Empty;

    public MessageTemplate? Latest(string kind, Channel channel) => _latest.GetValueOrDefault((kind, channel));

    internal void Replace(IEnumerable<MessageTemplate> all) =>
        _latest = all.GroupBy(t => (t.Kind, t.Channel)).ToFrozenDictionary(g => g.Key, g => g.MaxBy(t => t.Version)!);
}

public sealed class TemplateStore(NpgsqlDataSource dataSource, TemplateCatalog catalog, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds version 1 of every shipped template that has no version yet; published versions are left alone.</summary>
    public async Task SeedShippedAsync(IEnumerable<TemplateDraft> shipped, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var draft in shipped)
        {
            await using var insert = connection.Command(
                """
                INSERT INTO message_template (kind, channel, version, fields, external_template_id, link, published_at, published_by)
                VALUES ($1, $2, 1, $3, $4, $5, $6, 'shipped') ON CONFLICT DO NOTHING
                """,
                draft.Kind, draft.Channel!.Value.ToString(), Fields(draft.Fields), draft.ExternalTemplateId, draft.Link, clock.GetUtcNowForDatabase());
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ReloadAsync(CancellationToken ct) => catalog.Replace(await ListAsync(null, ct));

    public async Task<IReadOnlyList<MessageTemplate>> ListAsync(string? kind, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var select = connection.Command(
            """
            SELECT kind, channel, version, fields, external_template_id, link, published_at, published_by FROM message_template
            WHERE $1::text IS NULL OR kind = $1 ORDER BY kind, channel, version
            """, Sql.Optional(kind, NpgsqlDbType.Text));
        await using var reader = await select.ExecuteReaderAsync(ct);
        var templates = new List<MessageTemplate>();
        while (await reader.ReadAsync(ct))
            templates.Add(new MessageTemplate(reader.GetString(0), Enum.Parse<Channel>(reader.GetString(1)), reader.GetInt32(2),
                JsonSerializer.Deserialize<List<TemplateField>>(reader.GetString(3), Json)!,
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7)));
        return templates;
    }

    /// <summary>Stores the draft as the next version of its kind and channel; concurrent publishes get consecutive versions.</summary>
    public async Task<MessageTemplate> PublishAsync(TemplateDraft draft, string publishedBy, CancellationToken ct)
    {
        var at = clock.GetUtcNowForDatabase();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // One publisher per kind and channel at a time, so "next version" is not taken twice.
        await using (var serialise = connection.Command("SELECT pg_advisory_xact_lock(hashtext($1))", $"template:{draft.Kind}:{draft.Channel}"))
            await serialise.ExecuteNonQueryAsync(ct);
        await using var insert = connection.Command(
            """
            INSERT INTO message_template (kind, channel, version, fields, external_template_id, link, published_at, published_by)
            SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7 FROM message_template WHERE kind = $1 AND channel = $2
            RETURNING version
            """,
            draft.Kind, draft.Channel!.Value.ToString(), Fields(draft.Fields), Blank(draft.ExternalTemplateId), Blank(draft.Link), at, publishedBy);
        var version = (int)(await insert.ExecuteScalarAsync(ct))!;
        await transaction.CommitAsync(ct);
        await ReloadAsync(ct);
        return new MessageTemplate(draft.Kind, draft.Channel.Value, version, draft.Fields, Blank(draft.ExternalTemplateId), Blank(draft.Link), at, publishedBy);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static NpgsqlParameter Fields(IReadOnlyList<TemplateField> fields) =>
        new() { Value = JsonSerializer.Serialize(fields, Json), NpgsqlDbType = NpgsqlDbType.Jsonb };
}
