namespace MaternityCloud.BuildingBlocks.Domain;

/// <summary>An opaque page token for keyset paging: the last row's time and id (newest-first lists).</summary>
public static class PageToken
{
    public static string Write(DateTimeOffset at, Guid id) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{at.UtcTicks}:{id}"));

    public static (DateTimeOffset At, Guid Id)? Read(Validator v, string token)
    {
        if (string.IsNullOrWhiteSpace(token)) return null;
        try
        {
            var parts = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':');
            return (new DateTimeOffset(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero), Guid.Parse(parts[1]));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException or ArgumentException)
        {
            v.Add("page_token", "is not a token this service returned");
            return null;
        }
    }
}
