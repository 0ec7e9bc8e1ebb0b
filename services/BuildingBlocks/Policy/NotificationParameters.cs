using System.Globalization;
using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;
using static MaternityCloud.BuildingBlocks.Policy.RegionPolicyDocument;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// How a region reminds people (seed 000 Fujian 2025, seed 004 Fuzhou 2023): the hours in which nothing is sent,
/// the policy links and the official account a message points to, the hotline, and the names and telephone numbers
/// of the service points (经办网点) that take cases in, so a rejection names the point to go back to.
/// </summary>
public sealed record NotificationParameters(
    QuietHours QuietHours,
    string OfficialAccountName,
    string Hotline,
    string MaternityPolicyLink,
    string NewbornEnrolmentLink,
    IReadOnlyDictionary<string, ServicePoint> ServicePoints)
{
    public ServicePoint ServicePoint(string code) =>
        ServicePoints.TryGetValue(code, out var point) ? point : new ServicePoint(code, Hotline);
}

/// <summary>A service point (便民服务中心, 医保服务站) by its name and telephone number.</summary>
public sealed record ServicePoint(string Name, string Telephone);

/// <summary>
/// Local hours (China Standard Time) in which nothing is sent: a message due then waits until <see cref="To"/>.
/// From 21:00 to 08:00 spans midnight; equal ends mean no quiet hours.
/// </summary>
public sealed record QuietHours(TimeOnly From, TimeOnly To)
{
    public bool Contains(TimeOnly local) =>
        From != To && (From < To ? local >= From && local < To : local >= From || local < To);

    /// <summary>The first instant at or after <paramref name="at"/> outside the quiet hours.</summary>
    public DateTimeOffset NextAllowed(DateTimeOffset at)
    {
        var local = at.ToOffset(Domain.Calendar.ChinaStandardTime);
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (!Contains(time)) return at;
        var day = DateOnly.FromDateTime(local.DateTime);
        if (time >= To) day = day.AddDays(1);
        return new DateTimeOffset(day.ToDateTime(To), Domain.Calendar.ChinaStandardTime).ToUniversalTime();
    }
}

internal static class NotificationSection
{
    public static NotificationParameters Parse(JsonElement n, Validator v)
    {
        var quiet = new QuietHours(default, default);
        if (!n.TryGetProperty("quietHours", out var q) || q.ValueKind != JsonValueKind.Object)
            v.Add("notifications.quietHours", "is required (from and to, local hh:mm)");
        else
            quiet = new QuietHours(Time(q, "from", "notifications.quietHours.from", v), Time(q, "to", "notifications.quietHours.to", v));

        var account = Field(n, "officialAccountName", v);
        var hotline = Field(n, "hotline", v);
        var links = n.TryGetProperty("links", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
        if (links.ValueKind != JsonValueKind.Object) v.Add("notifications.links", "is required (maternityPolicy, newbornEnrolment)");
        var policyLink = links.ValueKind == JsonValueKind.Object ? Link(links, "maternityPolicy", v) : "";
        var newbornLink = links.ValueKind == JsonValueKind.Object ? Link(links, "newbornEnrolment", v) : "";

        var points = new Dictionary<string, ServicePoint>(StringComparer.Ordinal);
        if (n.TryGetProperty("servicePoints", out var s))
        {
            if (s.ValueKind != JsonValueKind.Object) v.Add("notifications.servicePoints", "must map a site code to its name and telephone");
            else
                foreach (var point in s.EnumerateObject())
                {
                    var field = $"notifications.servicePoints.{point.Name}";
                    if (point.Value.ValueKind != JsonValueKind.Object) { v.Add(field, "must be an object with name and telephone"); continue; }
                    points[point.Name] = new ServicePoint(Field(point.Value, "name", v, field), Field(point.Value, "telephone", v, field));
                }
        }
        return new NotificationParameters(quiet, account, hotline, policyLink, newbornLink, points);
    }

    private static string Field(JsonElement o, string name, Validator v, string section = "notifications") =>
        Text(o, name, v, $"{section}.{name}") ?? "";

    private static string Link(JsonElement links, string name, Validator v)
    {
        var link = Field(links, name, v, "notifications.links");
        if (link.Length > 0 && !(Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
            v.Add($"notifications.links.{name}", "must be an absolute https link");
        return link;
    }

    private static TimeOnly Time(JsonElement o, string name, string field, Validator v)
    {
        if (o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String &&
            TimeOnly.TryParseExact(p.GetString(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return time;
        v.Add(field, "must be a local time in the form HH:mm");
        return default;
    }
}
