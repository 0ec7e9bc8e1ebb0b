using System.Globalization;

namespace MaternityCloud.BuildingBlocks.Domain;

/// <summary>The field checks every service repeats, phrased once so every service words its refusals alike.</summary>
public static class ValidatorFields
{
    public const int MaxTextLength = 100;

    public static string Text(this Validator v, string field, string? text, int maxLength = MaxTextLength)
    {
        var trimmed = (text ?? "").Trim();
        v.Check(trimmed.Length > 0, field, "is required");
        v.Check(trimmed.Length <= maxLength, field, $"must be at most {maxLength} characters");
        return trimmed;
    }

    public static DateOnly Date(this Validator v, string field, string? text, DateOnly? notAfter = null)
    {
        if (!DateOnly.TryParseExact((text ?? "").Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            v.Add(field, "must be a date in the form yyyy-MM-dd");
            return default;
        }
        if (notAfter is { } limit && date > limit) v.Add(field, $"must not be in the future (after {limit:yyyy-MM-dd})");
        return date;
    }

    /// <summary>National designated-institution code: H, the 6-digit division where it is, 5 digits (e.g. H33030200001).</summary>
    public static string InstitutionCode(this Validator v, string field, string? text)
    {
        var s = (text ?? "").Trim().ToUpperInvariant();
        v.Check(s.Length == 12 && s[0] == 'H' && s.Skip(1).All(char.IsAsciiDigit), field,
            "must be a designated-institution code: H and 11 digits (e.g. H33030200001)");
        return s;
    }

    /// <summary>
    /// A value the caller states that the platform holds as a fact (a person's pooling region, today's date): left
    /// empty it is taken from the fact; given, it must agree, or the request is refused naming both.
    /// </summary>
    public static Validator Agrees(this Validator v, string field, string? stated, string fact, string whatTheFactIs)
    {
        var given = (stated ?? "").Trim();
        return given.Length > 0 && given != fact ? v.Add(field, $"'{given}' is not {whatTheFactIs} ({fact}): leave it empty or send {fact}") : v;
    }

    /// <summary>
    /// A pooling region the caller may state, though the platform takes it from the person's insurance record: nothing,
    /// or six digits (which must then agree with the record, see <see cref="Agrees"/>).
    /// </summary>
    public static string StatedRegion(this Validator v, string field, string? text)
    {
        var region = (text ?? "").Trim();
        v.Check(region.Length == 0 || (region.Length == 6 && region.All(char.IsAsciiDigit)), field, "must be empty or a 6-digit pooling region code");
        return region;
    }

    /// <summary>
    /// An identifier another party gave its record (a department's record id, a transfer form's number): printable ASCII
    /// without spaces, 1 to <paramref name="maxLength"/> characters. <paramref name="what"/> says what it is, for the refusal.
    /// </summary>
    public static string ForeignId(this Validator v, string field, string? text, int maxLength, string what)
    {
        var s = (text ?? "").Trim();
        v.Check(s.Length >= 1 && s.Length <= maxLength && s.All(c => c is > ' ' and <= '~'), field,
            $"must be {what}: 1 to {maxLength} letters, digits or punctuation, no spaces");
        return s;
    }

    /// <summary>An identifier this platform handed out (a UUID).</summary>
    public static Guid Uuid(this Validator v, string field, string? text)
    {
        if (Guid.TryParse(text, out var id)) return id;
        v.Add(field, "must be a UUID");
        return Guid.Empty;
    }

    public static ResidentIdNumber IdNumber(this Validator v, string field, string? text)
    {
        if (ResidentIdNumber.TryParse(text, out var id, out var error)) return id;
        v.Add(field, error);
        return default;
    }

    /// <summary>Yuan with at most two decimals (fen), never negative: money is never a float.</summary>
    public static decimal Money(this Validator v, string field, string? text)
    {
        var s = (text ?? "").Trim();
        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            v.Add(field, "must be an amount in yuan such as \"1234.50\"");
            return 0;
        }
        if (amount.Scale > 2 && amount != decimal.Round(amount, 2)) v.Add(field, "must have at most 2 decimals (fen)");
        if (amount > 99_999_999.99m) v.Add(field, "is too large");
        return amount;
    }
}
