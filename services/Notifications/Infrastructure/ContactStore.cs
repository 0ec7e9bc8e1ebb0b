using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Notifications.Domain;
using Npgsql;

namespace MaternityCloud.Notifications.Infrastructure;

/// <summary>A person's name, phone number (from Enrollment), bound openid and preferences (from the person).</summary>
public sealed record ContactCard(string IdNumber, string? Name, Contact Contact, DateTimeOffset? ChangedAt, string? ChangedBy);

public static class ContactStore
{
    public static async Task<ContactCard> FindAsync(NpgsqlConnection connection, string idNumber, CancellationToken ct)
    {
        await using var select = connection.Command(
            """
            SELECT r.name, r.mobile_phone, p.openid, p.preference, p.opted_out, p.changed_at, p.changed_by
            FROM (VALUES ($1::text)) AS k (id_number)
            LEFT JOIN recipient r ON r.id_number = k.id_number
            LEFT JOIN contact_preference p ON p.id_number = k.id_number
            """, idNumber);
        await using var reader = await select.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var contact = new Contact(
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? ChannelPreference.Every : Enum.Parse<ChannelPreference>(reader.GetString(3)),
            !reader.IsDBNull(4) && reader.GetBoolean(4));
        return new ContactCard(idNumber, reader.IsDBNull(0) ? null : reader.GetString(0), contact,
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6));
    }

    /// <summary>Sets what the person asked for; null leaves a setting as it is.</summary>
    public static async Task SaveAsync(NpgsqlConnection connection, string idNumber, ChannelPreference? preference, bool? optedOut,
        string? openId, bool unbind, DateTimeOffset at, string by, CancellationToken ct)
    {
        await using var upsert = connection.Command(
            """
            INSERT INTO contact_preference (id_number, openid, preference, opted_out, changed_at, changed_by)
            VALUES ($1, $2, coalesce($3, 'Every'), coalesce($4, false), $5, $6)
            ON CONFLICT (id_number) DO UPDATE SET
                openid = CASE WHEN $7 THEN NULL ELSE coalesce($2, contact_preference.openid) END,
                preference = coalesce($3, contact_preference.preference),
                opted_out = coalesce($4, contact_preference.opted_out),
                changed_at = $5, changed_by = $6
            """,
            idNumber, openId, preference?.ToString(), optedOut, at, by, unbind);
        await upsert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// An SMS reply asking to stop (退订) opts out every person this number was used for: recipients with that phone
    /// number and people messaged at it (a guardian's number from a birth record).
    /// </summary>
    public static async Task<int> OptOutPhoneAsync(NpgsqlConnection connection, string phone, DateTimeOffset at, string by, CancellationToken ct)
    {
        await using var upsert = connection.Command(
            """
            INSERT INTO contact_preference (id_number, opted_out, changed_at, changed_by)
            SELECT id_number, true, $2, $3 FROM (
                SELECT id_number FROM recipient WHERE mobile_phone = $1 AND id_number IS NOT NULL
                UNION SELECT id_number FROM message WHERE channel = 'Sms' AND address = $1) people
            ON CONFLICT (id_number) DO UPDATE SET opted_out = true, changed_at = $2, changed_by = $3
            """, phone, at, by);
        return await upsert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The person unfollowed the official account: the openid no longer reaches anyone.</summary>
    public static async Task<int> UnbindOpenIdAsync(NpgsqlConnection connection, string openId, DateTimeOffset at, string by, CancellationToken ct)
    {
        await using var update = connection.Command(
            "UPDATE contact_preference SET openid = NULL, changed_at = $2, changed_by = $3 WHERE openid = $1", openId, at, by);
        return await update.ExecuteNonQueryAsync(ct);
    }
}
