using System.Text.RegularExpressions;

namespace MaternityCloud.BuildingBlocks.Domain;

/// <summary>
/// Masks ID numbers, mobile phone numbers and openids. Used deliberately where code shows a person, and as the
/// safety net that scrubs every log line and span attribute before it leaves a process.
/// </summary>
public static partial class PersonalData
{
    /// <summary>110101********123X: the area code and the check character stay, so an operator can still tell records apart.</summary>
    public static string MaskIdNumber(string id) =>
        id.Length == 18 ? string.Concat(id.AsSpan(0, 6), "********", id.AsSpan(14, 4)) : new string('*', id.Length);

    /// <summary>138****5678.</summary>
    public static string MaskPhone(string phone) =>
        phone.Length == 11 ? string.Concat(phone.AsSpan(0, 3), "****", phone.AsSpan(7, 4)) : new string('*', phone.Length);

    /// <summary>oAbc****wxyz: a WeChat openid identifies a person to anyone holding the account's credentials.</summary>
    public static string MaskOpenId(string openId) =>
        openId.Length <= 8 ? "****" : string.Concat(openId.AsSpan(0, 4), "****", openId.AsSpan(openId.Length - 4, 4));

    // An 18-character ID (17 digits + digit/X) or an 11-digit mainland mobile (1[3-9]...), not inside a longer number.
    [GeneratedRegex(@"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex PersonalNumber();

    /// <summary>Replaces every ID number and mobile number found in free text with its masked form.</summary>
    public static string Scrub(string text)
    {
        if (text.Length < 11) return text;
        return PersonalNumber().Replace(text, m => m.Length == 18 ? MaskIdNumber(m.Value) : MaskPhone(m.Value));
    }

    public static bool ContainsPersonalNumber(string text) => PersonalNumber().IsMatch(text);
}
