namespace MaternityCloud.BuildingBlocks.Domain;

/// <summary>
/// 居民身份证号码 (GB 11643-1999): 6-digit area code, 8-digit birth date, 3-digit sequence, and a check
/// character computed by ISO 7064 MOD 11-2 ('X' stands for 10).
/// </summary>
public readonly record struct ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    public string Value { get; }

    private ResidentIdNumber(string value) => Value = value;

    /// <summary>An ID number read back from storage, where only valid ones are written.</summary>
    public static ResidentIdNumber FromStored(string value) =>
        TryParse(value, out var id, out var error) ? id : throw new FormatException($"stored ID number is invalid: {error}");

    /// <summary>Parses an ID number; on failure <paramref name="error"/> says why in words an operator understands.</summary>
    public static bool TryParse(string? text, out ResidentIdNumber id, out string error)
    {
        id = default;
        var s = (text ?? "").Trim().ToUpperInvariant();
        if (s.Length != 18)
        {
            error = "must be 18 characters";
            return false;
        }
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                error = $"character {i + 1} must be a digit";
                return false;
            }
        }
        if (!char.IsAsciiDigit(s[17]) && s[17] != 'X')
        {
            error = "the check character must be a digit or X";
            return false;
        }
        if (!DateOnly.TryParseExact(s.AsSpan(6, 8), "yyyyMMdd", out var birth) || birth.Year < 1800)
        {
            error = "characters 7-14 must be a valid birth date (yyyyMMdd)";
            return false;
        }
        if (ComputeCheckCharacter(s) != s[17])
        {
            error = "the check character does not match (ISO 7064 MOD 11-2)";
            return false;
        }
        id = new ResidentIdNumber(s);
        error = "";
        return true;
    }

    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (first17[i] - '0') * Weights[i];
        return CheckCharacters[sum % 11];
    }

    /// <summary>The 17th character (sequence) is odd for men and even for women.</summary>
    public bool IsMale => (Value[16] - '0') % 2 == 1;

    public DateOnly BirthDate => DateOnly.ParseExact(Value.AsSpan(6, 8), "yyyyMMdd");

    /// <summary>The form for logs and screens: area code kept, the rest hidden but the check character.</summary>
    public string Masked => PersonalData.MaskIdNumber(Value);

    public override string ToString() => Masked;
}
