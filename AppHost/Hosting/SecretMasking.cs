using System.Text.RegularExpressions;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>
/// Hides secrets in environment values before anyone sees them: whole values of variables named like a secret, and
/// the password parts of connection strings and URIs (Password=...; and user:password@).
/// </summary>
public static partial class SecretMasking
{
    public const string Hidden = "••••••";

    public static string Mask(string key, string value)
    {
        if (SecretName().IsMatch(key)) return value.Length == 0 ? value : Hidden;
        var masked = PasswordSetting().Replace(value, m => m.Groups[1].Value + Hidden);
        return UriPassword().Replace(masked, m => m.Groups[1].Value + Hidden + "@");
    }

    [GeneratedRegex("(password|secret|token|apikey|api_key|api-key|credential|HEADERS$)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("((?:^|;)\\s*(?:password|pwd)\\s*=)[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordSetting();

    [GeneratedRegex("(://[^:/@\\s]+:)[^@\\s]+@")]
    private static partial Regex UriPassword();
}
