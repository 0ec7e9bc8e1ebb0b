using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Notifications.Domain;
using MaternityCloud.Notifications.Infrastructure;
using Npgsql;

namespace MaternityCloud.Notifications.Application;

/// <summary>What a person asked for (channels, opt-out) and the official account they bound.</summary>
public sealed class ContactHandlers(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public async Task<ContactCard> GetAsync(string idNumberText, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.IdNumber("id_number", idNumberText);
        v.ThrowIfInvalid();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ContactStore.FindAsync(connection, id.Value, ct);
    }

    public async Task<ContactCard> SetAsync(string idNumberText, ChannelPreference? preference, bool? optedOut, string openIdText,
        bool unbind, string changedByText, CancellationToken ct)
    {
        var v = new Validator();
        var id = v.IdNumber("id_number", idNumberText);
        var by = v.Text("changed_by", changedByText);
        var openId = string.IsNullOrWhiteSpace(openIdText) ? null : openIdText.Trim();
        // WeChat openids are 28 characters of letters, digits, '-' and '_'; allow some room for other platforms.
        if (openId is not null && (openId.Length is < 16 or > 64 || !openId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            v.Add("open_id", "must be the official account's openid for this person (16 to 64 letters, digits, '-' or '_')");
        if (openId is not null && unbind) v.Add("unbind_official_account", "cannot bind and unbind in one request");
        if (preference is { } p && !Enum.IsDefined(p)) v.Add("preference", "is not a channel preference");
        if (preference is null && optedOut is null && openId is null && !unbind)
            v.Add("preference", "nothing to change: give a preference, opted_out, an open_id or unbind_official_account");
        v.ThrowIfInvalid();

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await ContactStore.SaveAsync(connection, id.Value, preference, optedOut, openId, unbind, clock.GetUtcNow(), by, ct);
        return await ContactStore.FindAsync(connection, id.Value, ct);
    }
}
