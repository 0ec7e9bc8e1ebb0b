using System.Text;
using System.Text.RegularExpressions;

namespace MaternityCloud.Notifications.Domain;

/// <summary>
/// One version of what a notice kind says on a channel. An SMS template has one field, "content"; an official-account
/// template has the fields of the template registered with WeChat (<see cref="ExternalTemplateId"/>), e.g. first,
/// keyword1.., remark, and may link to a page. Text names variables in braces: {amount}.
/// </summary>
public sealed record MessageTemplate(
    string Kind,
    Channel Channel,
    int Version,
    IReadOnlyList<TemplateField> Fields,
    string? ExternalTemplateId,
    string? Link,
    DateTimeOffset PublishedAt,
    string PublishedBy)
{
    public const string SmsContent = "content";

    /// <summary>Renders every field and the link with the notice's values.</summary>
    public RenderedMessage Render(IReadOnlyDictionary<string, string> values)
    {
        var fields = Fields.Select(f => new RenderedField(f.Name, TemplateText.Render(f.Text, values))).ToList();
        var link = Link is null ? null : TemplateText.Render(Link, values);
        var text = Channel == Channel.Sms ? fields[0].Value : string.Join('\n', fields.Select(f => f.Value));
        return new RenderedMessage(text, fields, link);
    }
}

public sealed record TemplateField(string Name, string Text);

public sealed record RenderedField(string Name, string Value);

/// <summary>A message as it goes to the gateway: the text (the SMS, or the fields one per line for reading), the fields and the link.</summary>
public sealed record RenderedMessage(string Text, IReadOnlyList<RenderedField> Fields, string? Link);

/// <summary>Placeholders in template text: {name}, letters and digits, starting with a letter.</summary>
public static partial class TemplateText
{
    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9]*)\}")]
    private static partial Regex Placeholder();

    public static IEnumerable<string> Variables(string text) => Placeholder().Matches(text).Select(m => m.Groups[1].Value);

    public static string Render(string text, IReadOnlyDictionary<string, string> values)
    {
        var result = new StringBuilder(text.Length + 32);
        var last = 0;
        foreach (Match m in Placeholder().Matches(text))
        {
            result.Append(text, last, m.Index - last);
            // Publishing checked every name; a value a notice could not supply renders empty rather than as "{name}".
            result.Append(values.TryGetValue(m.Groups[1].Value, out var value) ? value : "");
            last = m.Index + m.Length;
        }
        return result.Append(text, last, text.Length - last).ToString();
    }
}
