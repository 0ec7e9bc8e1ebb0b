namespace MaternityCloud.Enrollment.Domain;

/// <summary>
/// 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-character alphabet (no I, O, Z, S, V);
/// the last one is a check character over the first 17, weighted by powers of 3 modulo 31.
/// </summary>
public readonly record struct UnifiedSocialCreditCode
{
    internal const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    public string Value { get; }

    private UnifiedSocialCreditCode(string value) => Value = value;

    public static bool TryParse(string? text, out UnifiedSocialCreditCode code, out string error)
    {
        code = default;
        var s = (text ?? "").Trim().ToUpperInvariant();
        if (s.Length != 18)
        {
            error = "must be 18 characters";
            return false;
        }
        for (var i = 0; i < 18; i++)
        {
            if (Alphabet.IndexOf(s[i]) < 0)
            {
                error = $"character {i + 1} '{s[i]}' is not allowed (digits and A-Y without I, O, S, V, Z)";
                return false;
            }
        }
        if (ComputeCheckCharacter(s) != s[17])
        {
            error = "the check character does not match (GB 32100-2015)";
            return false;
        }
        code = new UnifiedSocialCreditCode(s);
        error = "";
        return true;
    }

    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += Alphabet.IndexOf(first17[i]) * Weights[i];
        return Alphabet[(31 - sum % 31) % 31];
    }

    public override string ToString() => Value;
}
