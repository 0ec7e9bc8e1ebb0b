using System.Globalization;

namespace MaternityCloud.Notifications.Domain;

/// <summary>Amounts and dates the way a Chinese notice writes them: 36,821.33元, 2026年9月20日.</summary>
public static class ChineseFormat
{
    public static string Yuan(decimal amount) =>
        decimal.Round(amount, 2, MidpointRounding.AwayFromZero).ToString("#,##0.00", CultureInfo.InvariantCulture) + "元";

    public static string Date(DateOnly date) => $"{date.Year}年{date.Month}月{date.Day}日";
}
