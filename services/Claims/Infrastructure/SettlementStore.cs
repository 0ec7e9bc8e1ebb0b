using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Claims.Application;
using MaternityCloud.Claims.Domain;
using Npgsql;
using NpgsqlTypes;

namespace MaternityCloud.Claims.Infrastructure;

/// <summary>Settlements, their lines and audit flags in claimsdb. Every write happens in the caller's transaction.</summary>
public sealed class SettlementStore
{
    private const string Header = """
        SELECT settlement_id, institution_code, request_id, id_number, region, policy_version, medical_type, maternity_category,
               family_planning_category, gestational_weeks, fetus_count, complication, dystocia, service_date, scope, as_filed_spouse,
               registration_id, quota_cap, quota_used_before, quota_consumed, total_amount, fund_amount, transferred_amount,
               individual_amount, state, settled_at, reversed_at, reversal_reason, request_hash, pregnancy_id
        FROM settlement
        """;

    /// <summary>
    /// Stores a settlement with its lines and flags and consumes its prenatal quota, in one round trip, unless its
    /// (institution, request id) is taken; says whether it did. The statements after the first only act when the first
    /// inserted the settlement (a fresh id exists only if it did).
    /// </summary>
    public async Task<bool> TryInsertAsync(OutboxTransaction tx, SettlementRecord s, byte[] fingerprint, int certificateType,
        IReadOnlyList<AuditFinding> findings, CancellationToken ct)
    {
        const string Inserted = "EXISTS (SELECT 1 FROM settlement WHERE settlement_id = $1)";
        var lines = s.Lines.Select(l => l.Split).ToList();
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        batch.BatchCommands.Add(Sql.BatchCommand("""
            INSERT INTO settlement (settlement_id, institution_code, request_id, request_hash, id_number, region, policy_version, certificate_type,
                medical_type, maternity_category, family_planning_category, gestational_weeks, fetus_count, complication, dystocia, service_date,
                scope, as_filed_spouse, registration_id, quota_cap, quota_used_before, quota_consumed, total_amount, fund_amount,
                transferred_amount, individual_amount, state, settled_at, pregnancy_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, 'settled', $27, $28)
            ON CONFLICT (institution_code, request_id) DO NOTHING
            """, s.SettlementId, s.InstitutionCode, s.RequestId, fingerprint, s.IdNumber, s.Region, s.PolicyVersion, certificateType,
            s.MedicalType, s.MaternityCategory, s.FamilyPlanningCategory, s.GestationalWeeks, s.FetusCount, s.Complication, s.Dystocia,
            s.ServiceDate, s.Scope.Code(), s.AsFiledSpouse, s.RegistrationId, s.QuotaCap, s.QuotaUsedBefore, s.QuotaConsumed, s.Total,
            s.Fund, s.Transferred, s.Individual, s.SettledAt!.Value, s.PregnancyId));
        batch.BatchCommands.Add(Sql.BatchCommand($"""
            INSERT INTO settlement_line (settlement_id, line_no, item_code, item_name, quantity, unit_price, amount, pool, rule,
                fund_amount, transferred_amount, transferred_to, individual_amount, explanation)
            SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::int[], $9::text[],
                $10::numeric[], $11::numeric[], $12::int[], $13::numeric[], $14::text[])
            WHERE {Inserted}
            """, s.SettlementId,
            lines.Select(l => l.Line.LineNo).ToArray(), lines.Select(l => l.Line.ItemCode).ToArray(), lines.Select(l => l.Line.ItemName).ToArray(),
            lines.Select(l => l.Line.Quantity).ToArray(), lines.Select(l => l.Line.UnitPrice).ToArray(), lines.Select(l => l.Line.Amount).ToArray(),
            lines.Select(l => (int)l.Pool).ToArray(), lines.Select(l => l.Rule).ToArray(), lines.Select(l => l.Fund).ToArray(),
            lines.Select(l => l.Transferred).ToArray(), lines.Select(l => l.TransferredTo is { } p ? (int?)p : null).ToArray(),
            lines.Select(l => l.Individual).ToArray(), lines.Select(l => l.Explanation).ToArray()));
        if (findings.Count > 0)
            batch.BatchCommands.Add(Sql.BatchCommand($"""
                INSERT INTO audit_flag (settlement_id, institution_code, line_no, item_code, rule, detail, raised_at)
                SELECT $1, $2, *, $6 FROM unnest($3::int[], $4::text[], $5::text[], $7::text[]) WHERE {Inserted}
                """, s.SettlementId, s.InstitutionCode, findings.Select(f => f.LineNo).ToArray(), findings.Select(f => f.ItemCode).ToArray(),
                findings.Select(f => f.Rule).ToArray(), s.SettledAt!.Value, findings.Select(f => f.Detail).ToArray()));
        if (s.QuotaConsumed > 0)
        {
            var consume = QuotaLedger.AddUsedCommand(s.PregnancyId!.Value, s.QuotaConsumed);
            consume.CommandText += $" AND EXISTS (SELECT 1 FROM settlement WHERE settlement_id = $3)";
            consume.Parameters.Add(new NpgsqlParameter { Value = s.SettlementId });
            batch.BatchCommands.Add(consume);
        }
        await batch.ExecuteNonQueryAsync(ct);
        return batch.BatchCommands[0].RecordsAffected == 1;
    }

    public async Task<(byte[] Fingerprint, SettlementRecord Record)?> FindByRequestAsync(NpgsqlConnection connection, string institutionCode, string requestId, CancellationToken ct)
    {
        var found = await ReadHeaderAsync(connection, Header + " WHERE institution_code = $1 AND request_id = $2", ct, institutionCode, requestId);
        return found is null ? null : (found.Value.Fingerprint, await WithLinesAsync(connection, found.Value.Record, ct));
    }

    public async Task<SettlementRecord?> FindAsync(NpgsqlConnection connection, Guid settlementId, CancellationToken ct, bool forUpdate = false)
    {
        var found = await ReadHeaderAsync(connection, Header + " WHERE settlement_id = $1" + (forUpdate ? " FOR UPDATE" : ""), ct, settlementId);
        return found is null ? null : await WithLinesAsync(connection, found.Value.Record, ct);
    }

    public async Task MarkReversedAsync(OutboxTransaction tx, Guid settlementId, DateTimeOffset at, string reason, CancellationToken ct)
    {
        await using var update = tx.Command("UPDATE settlement SET state = 'reversed', reversed_at = $2, reversal_reason = $3 WHERE settlement_id = $1",
            settlementId, at, reason);
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// What a settlement needs to read before it computes, in one round trip: the pregnancy's quota (locked until the
    /// transaction ends when <paramref name="lockQuota"/>), and what the person was billed before per item, the same day
    /// and in the same pregnancy (settlements that were reversed do not count).
    /// </summary>
    public async Task<(BillingHistory History, (decimal Cap, decimal Used)? Quota)> ReadBeforeSettlingAsync(
        NpgsqlConnection connection, string idNumber, DateOnly serviceDate, Guid? pregnancyId, bool lockQuota, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (lockQuota) batch.BatchCommands.Add(QuotaLedger.LockCommand(pregnancyId!.Value));
        batch.BatchCommands.Add(Sql.BatchCommand("""
            SELECT l.item_code, count(*)::int FROM settlement s JOIN settlement_line l USING (settlement_id)
            WHERE s.id_number = $1 AND s.service_date = $2 AND s.state = 'settled' GROUP BY l.item_code
            """, idNumber, serviceDate));
        batch.BatchCommands.Add(Sql.BatchCommand("""
            SELECT l.item_code, count(*)::int FROM settlement s JOIN settlement_line l USING (settlement_id)
            WHERE s.pregnancy_id = $1 AND s.state = 'settled' GROUP BY l.item_code
            """, pregnancyId));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        (decimal, decimal)? quota = null;
        if (lockQuota)
        {
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"prenatal quota of pregnancy {pregnancyId} vanished");
            quota = (reader.GetDecimal(0), reader.GetDecimal(1));
            await reader.NextResultAsync(ct);
        }
        var sameDay = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct)) sameDay[reader.GetString(0)] = reader.GetInt32(1);
        await reader.NextResultAsync(ct);
        var pregnancy = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct)) pregnancy[reader.GetString(0)] = reader.GetInt32(1);
        return (new BillingHistory(sameDay, pregnancy), quota);
    }

    /// <summary>The institution's settlements, newest first, by keyset (settled_at, settlement_id) from the page token.</summary>
    public async Task<IReadOnlyList<SettlementRecord>> ListAsync(NpgsqlConnection connection, string institutionCode, DateTimeOffset? from, DateTimeOffset? to,
        string? idNumber, (DateTimeOffset At, Guid Id)? after, int limit, CancellationToken ct)
    {
        await using var command = connection.Command(Header + """
             WHERE institution_code = $1 AND ($2::timestamptz IS NULL OR settled_at >= $2) AND ($3::timestamptz IS NULL OR settled_at < $3)
               AND ($4::text IS NULL OR id_number = $4) AND ($5::timestamptz IS NULL OR (settled_at, settlement_id) < ($5, $6))
             ORDER BY settled_at DESC, settlement_id DESC LIMIT $7
            """, institutionCode, Sql.Optional(from, NpgsqlDbType.TimestampTz), Sql.Optional(to, NpgsqlDbType.TimestampTz),
            Sql.Optional(idNumber, NpgsqlDbType.Text), Sql.Optional(after?.At, NpgsqlDbType.TimestampTz), after?.Id ?? Guid.Empty, limit);
        var list = new List<SettlementRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(ReadHeader(reader).Record);
        return list;
    }

    /// <summary>Per medical type: settlements made in [from, to) and reversals made in it, with their amounts.</summary>
    public async Task<IReadOnlyList<ReconcileTotals>> DayTotalsAsync(NpgsqlConnection connection, string institutionCode, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var command = connection.Command("""
            WITH moves AS (
                SELECT medical_type, 1 AS settled, 0 AS reversed, total_amount AS total, fund_amount AS fund, transferred_amount AS transferred, individual_amount AS individual
                FROM settlement WHERE institution_code = $1 AND settled_at >= $2 AND settled_at < $3
                UNION ALL
                SELECT medical_type, 0, 1, -total_amount, -fund_amount, -transferred_amount, -individual_amount
                FROM settlement WHERE institution_code = $1 AND reversed_at >= $2 AND reversed_at < $3)
            SELECT medical_type, sum(settled)::int, sum(reversed)::int, sum(total), sum(fund), sum(transferred), sum(individual)
            FROM moves GROUP BY medical_type ORDER BY medical_type
            """, institutionCode, from, to);
        var totals = new List<ReconcileTotals>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            totals.Add(new ReconcileTotals(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetDecimal(3), reader.GetDecimal(4),
                reader.GetDecimal(5), reader.GetDecimal(6)));
        return totals;
    }

    public async Task<IReadOnlyList<AuditFlagRecord>> ListFlagsAsync(NpgsqlConnection connection, string? state, string? institutionCode, int limit, CancellationToken ct)
    {
        await using var command = connection.Command("""
            SELECT flag_id, settlement_id, institution_code, line_no, item_code, rule, detail, state, raised_at, reviewed_by, review_note
            FROM audit_flag WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR institution_code = $2)
            ORDER BY flag_id DESC LIMIT $3
            """, Sql.Optional(state, NpgsqlDbType.Text), Sql.Optional(institutionCode, NpgsqlDbType.Text), limit);
        return await ReadFlagsAsync(command, ct);
    }

    public async Task<AuditFlagRecord?> ReviewFlagAsync(NpgsqlConnection connection, long flagId, string decision, string reviewer, string note, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = connection.Command("""
            UPDATE audit_flag SET state = $2, reviewed_by = $3, review_note = $4, reviewed_at = $5 WHERE flag_id = $1
            RETURNING flag_id, settlement_id, institution_code, line_no, item_code, rule, detail, state, raised_at, reviewed_by, review_note
            """, flagId, decision, reviewer, note, at);
        return (await ReadFlagsAsync(command, ct)).SingleOrDefault();
    }

    public async Task InsertFilingAsync(NpgsqlConnection connection, CrossRegionFilingRecord f, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = connection.Command("""
            INSERT INTO cross_region_filing (filing_id, id_number, region, destination, valid_from, valid_to, filed_by, filed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, f.FilingId, f.IdNumber, f.Region, f.Destination, f.ValidFrom, f.ValidTo, f.FiledBy, at);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether the person has a filing for the province of <paramref name="division"/> (a region or division code) valid on the date.</summary>
    public async Task<bool> HasFilingAsync(NpgsqlConnection connection, string idNumber, string division, DateOnly on, CancellationToken ct)
    {
        await using var command = connection.Command("""
            SELECT EXISTS (SELECT 1 FROM cross_region_filing WHERE id_number = $1 AND left(destination, 2) = left($2, 2) AND valid_from <= $3 AND valid_to >= $3)
            """, idNumber, division, on);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<IReadOnlyList<AuditFlagRecord>> ReadFlagsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var flags = new List<AuditFlagRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            flags.Add(new AuditFlagRecord(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
        return flags;
    }

    private static async Task<(byte[] Fingerprint, SettlementRecord Record)?> ReadHeaderAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadHeader(reader) : null;
    }

    private static (byte[] Fingerprint, SettlementRecord Record) ReadHeader(NpgsqlDataReader r)
    {
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        decimal? Money(int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);
        var scope = r.GetString(14) switch { "in-province" => SettlementScope.InProvince, "cross-province" => SettlementScope.CrossProvince, _ => SettlementScope.Local };
        var record = new SettlementRecord(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
            Text(7), Text(8), r.GetInt32(9), r.GetInt32(10), r.GetBoolean(11), r.GetBoolean(12), r.GetFieldValue<DateOnly>(13), scope, r.GetBoolean(15),
            r.IsDBNull(16) ? null : r.GetGuid(16), r.IsDBNull(29) ? null : r.GetGuid(29), Money(17), Money(18), r.GetDecimal(19), r.GetDecimal(20), r.GetDecimal(21), r.GetDecimal(22),
            r.GetDecimal(23), r.GetString(24) == "reversed" ? SettlementStatus.Reversed : SettlementStatus.Settled,
            r.GetFieldValue<DateTimeOffset>(25), r.IsDBNull(26) ? null : r.GetFieldValue<DateTimeOffset>(26), Text(27), []);
        return (r.GetFieldValue<byte[]>(28), record);
    }

    private static async Task<SettlementRecord> WithLinesAsync(NpgsqlConnection connection, SettlementRecord header, CancellationToken ct)
    {
        await using var command = connection.Command("""
            SELECT l.line_no, l.item_code, l.item_name, l.quantity, l.unit_price, l.amount, l.pool, l.rule, l.fund_amount, l.transferred_amount,
                   l.transferred_to, l.individual_amount, l.explanation,
                   coalesce((SELECT array_agg(f.rule ORDER BY f.flag_id) FROM audit_flag f WHERE f.settlement_id = l.settlement_id AND f.line_no = l.line_no), '{}')
            FROM settlement_line l WHERE l.settlement_id = $1 ORDER BY l.line_no
            """, header.SettlementId);
        var lines = new List<SettledLine>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var line = new FeeLine(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5));
            var split = new LineSplit(line, (Pool)r.GetInt32(6), r.GetString(7), r.GetDecimal(8), r.GetDecimal(9),
                r.IsDBNull(10) ? null : (Pool)r.GetInt32(10), r.GetDecimal(11), r.GetString(12));
            lines.Add(new SettledLine(split, r.GetFieldValue<string[]>(13)));
        }
        return header with { Lines = lines };
    }
}
