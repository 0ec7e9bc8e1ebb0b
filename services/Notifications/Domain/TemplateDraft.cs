using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Notifications.Domain;

/// <summary>A template an operator publishes as the next version of its kind and channel; every fault is named.</summary>
public sealed record TemplateDraft(string Kind, Channel? Channel, IReadOnlyList<TemplateField> Fields, string? ExternalTemplateId, string? Link)
{
    public const int MaxSmsLength = 500;
    public const int MaxFieldLength = 200;

    public void Validate(Validator v)
    {
        if (!NoticeKinds.IsKnown(Kind))
        {
            v.Add("kind", $"must be one of {string.Join(", ", NoticeKinds.Variables.Keys.Order())}");
            return;
        }
        if (Channel is null)
        {
            v.Add("channel", "is required (SMS or OFFICIAL_ACCOUNT)");
            return;
        }
        var known = NoticeKinds.Variables[Kind];
        void Placeholders(string field, string text)
        {
            foreach (var name in TemplateText.Variables(text).Distinct().Where(n => !known.Contains(n)))
                v.Add(field, $"{{{name}}} is not a variable of {Kind} ({string.Join(", ", known.Order())})");
        }

        if (Channel == Domain.Channel.Sms)
        {
            if (Fields.Count != 1 || Fields[0].Name != MessageTemplate.SmsContent)
                v.Add("fields", $"an SMS template has exactly one field, \"{MessageTemplate.SmsContent}\"");
            else if (string.IsNullOrWhiteSpace(Fields[0].Text) || Fields[0].Text.Length > MaxSmsLength)
                v.Add("fields.content", $"must be text of 1 to {MaxSmsLength} characters");
            else Placeholders("fields.content", Fields[0].Text);
            if (!string.IsNullOrEmpty(ExternalTemplateId)) v.Add("external_template_id", "is for official-account templates only");
            if (!string.IsNullOrEmpty(Link)) v.Add("link", "is for official-account templates only: put a link in the SMS text");
            return;
        }

        if (string.IsNullOrWhiteSpace(ExternalTemplateId) || ExternalTemplateId.Length > 64)
            v.Add("external_template_id", "is required: the template id registered with the official account (up to 64 characters)");
        if (Fields.Count is 0 or > 10) v.Add("fields", "an official-account template has 1 to 10 fields");
        foreach (var (field, i) in Fields.Select((f, i) => (f, i)))
        {
            var name = $"fields[{i}]";
            if (field.Name.Length is 0 or > 32 || !char.IsAsciiLetter(field.Name[0]) || !field.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                v.Add($"{name}.name", "must be the registered template's field name (letters, digits, underscore)");
            if (Fields.Take(i).Any(f => f.Name == field.Name)) v.Add($"{name}.name", $"'{field.Name}' appears twice");
            if (string.IsNullOrWhiteSpace(field.Text) || field.Text.Length > MaxFieldLength)
                v.Add($"{name}.text", $"must be text of 1 to {MaxFieldLength} characters");
            else Placeholders($"{name}.text", field.Text);
        }
        if (!string.IsNullOrEmpty(Link))
        {
            Placeholders("link", Link);
            var literal = TemplateText.Variables(Link).Any() && Link.StartsWith('{') ? null : Link;
            if (literal is not null && !(Uri.TryCreate(literal, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
                v.Add("link", "must be an absolute https link or start with a link variable such as {policyLink}");
        }
    }
}
