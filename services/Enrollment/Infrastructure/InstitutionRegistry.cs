using System.Collections.Frozen;
using System.Text.Json;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Enrollment.Domain;
using Npgsql;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>
/// The designated-institution registry in enrollmentdb, and an in-memory copy of it for the answers every settlement
/// asks (an institution's standing on a date): loaded at start, replaced after each change this replica commits, and
/// reloaded on an interval so other replicas' changes arrive too (Enrollment:RegistryRefresh).
/// </summary>
public sealed class InstitutionRegistry(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Columns = "code, name, region, level, agreement_from, agreement_to, qualifications::text, cross_region_settlement, revision, updated_at";

    private readonly Lock _writing = new();
    private volatile FrozenDictionary<string, DesignatedInstitution> _byCode = FrozenDictionary<string, DesignatedInstitution>.Empty;

    public DesignatedInstitution? Find(string code) => _byCode.GetValueOrDefault(code);

    public InstitutionStanding StandingOn(string code, DateOnly date) => Find(code)?.StandingOn(date) ?? InstitutionStanding.Unknown(code);

    public async Task ReloadAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var all = await ReadAsync(connection.Command($"SELECT {Columns} FROM designated_institution"), ct);
        // A reload that read before a change committed here must not put the older record back.
        lock (_writing) _byCode = all.Select(i => _byCode.GetValueOrDefault(i.Code) is { } held && held.Revision > i.Revision ? held : i)
            .ToFrozenDictionary(i => i.Code, StringComparer.Ordinal);
    }

    public async Task<DesignatedInstitution?> FindStoredAsync(NpgsqlConnection connection, string code, CancellationToken ct, bool forUpdate = false) =>
        (await ReadAsync(connection.Command($"SELECT {Columns} FROM designated_institution WHERE code = $1{(forUpdate ? " FOR UPDATE" : "")}", code), ct))
        .SingleOrDefault();

    public async Task<IReadOnlyList<DesignatedInstitution>> ListAsync(NpgsqlConnection connection, string? region, CancellationToken ct) =>
        await ReadAsync(connection.Command($"SELECT {Columns} FROM designated_institution WHERE $1::text IS NULL OR region = $1 ORDER BY code",
            Sql.Optional(region, NpgsqlTypes.NpgsqlDbType.Text)), ct);

    /// <summary>Writes a new revision of the record and its history line; false when a new code is already taken.</summary>
    public async Task<bool> SaveAsync(OutboxTransaction tx, DesignatedInstitution i, string reason, string changedBy, CancellationToken ct)
    {
        var qualifications = JsonSerializer.Serialize(i.Qualifications, Json);
        var upsert = i.Revision == 1
            ? "ON CONFLICT (code) DO NOTHING"
            : """
              ON CONFLICT (code) DO UPDATE SET name = excluded.name, region = excluded.region, level = excluded.level,
                  agreement_from = excluded.agreement_from, agreement_to = excluded.agreement_to, qualifications = excluded.qualifications,
                  cross_region_settlement = excluded.cross_region_settlement, revision = excluded.revision, updated_at = excluded.updated_at
              """;
        await using (var command = tx.Command(
            $"""
            INSERT INTO designated_institution (code, name, region, level, agreement_from, agreement_to, qualifications, cross_region_settlement, revision, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) {upsert}
            """, i.Code, i.Name, i.Region, i.Level, i.AgreementFrom, i.AgreementTo, qualifications, i.CrossRegionSettlement, i.Revision, i.UpdatedAt))
        {
            if (await command.ExecuteNonQueryAsync(ct) == 0) return false;
        }
        await using var history = tx.Command(
            "INSERT INTO institution_history (code, revision, record, reason, changed_by, changed_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6)",
            i.Code, i.Revision, JsonSerializer.Serialize(i, Json), reason, changedBy, i.UpdatedAt);
        await history.ExecuteNonQueryAsync(ct);
        tx.AfterCommit(() =>
        {
            lock (_writing)
            {
                if (_byCode.GetValueOrDefault(i.Code) is { } held && held.Revision >= i.Revision) return;
                _byCode = _byCode.Where(e => e.Key != i.Code).Append(new(i.Code, i)).ToFrozenDictionary(StringComparer.Ordinal);
            }
        });
        return true;
    }

    private static async Task<List<DesignatedInstitution>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using (command)
        {
            var list = new List<DesignatedInstitution>();
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                list.Add(new DesignatedInstitution(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetFieldValue<DateOnly>(4),
                    r.IsDBNull(5) ? null : r.GetFieldValue<DateOnly>(5), JsonSerializer.Deserialize<List<Qualification>>(r.GetString(6), Json)!,
                    r.GetBoolean(7), r.GetInt64(8), r.GetFieldValue<DateTimeOffset>(9)));
            return list;
        }
    }
}
