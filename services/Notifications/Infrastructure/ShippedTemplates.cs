using System.Text.Json;
using System.Text.Json.Serialization;
using MaternityCloud.Notifications.Domain;

namespace MaternityCloud.Notifications.Infrastructure;

/// <summary>The wording and first templates shipped with the service (Templates/shipped.json, embedded).</summary>
public sealed record ShippedTemplates(NoticeTerms Terms, IReadOnlyList<TemplateDraft> Templates)
{
    private sealed record File(TermsFile Terms, List<TemplateFile> Templates);
    private sealed record TermsFile(string AnonymousName, Dictionary<string, string> EventKind, Dictionary<string, string> Item,
        Dictionary<string, string> Reason, Dictionary<string, string> Withdrawal);
    private sealed record TemplateFile(string Kind, Channel Channel, List<FieldFile> Fields, string? ExternalTemplateId, string? Link);
    private sealed record FieldFile(string Name, string Text);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static ShippedTemplates Load()
    {
        using var stream = typeof(ShippedTemplates).Assembly.GetManifestResourceStream("MaternityCloud.Notifications.Templates.shipped.json")
            ?? throw new InvalidOperationException("Templates/shipped.json is not embedded in the service");
        var file = JsonSerializer.Deserialize<File>(stream, Json) ?? throw new InvalidOperationException("Templates/shipped.json is empty");
        var terms = new NoticeTerms(file.Terms.AnonymousName, file.Terms.EventKind, file.Terms.Item, file.Terms.Reason,
            file.Terms.Withdrawal["cancelled"], file.Terms.Withdrawal["recovery"]);
        var drafts = file.Templates.Select(t => new TemplateDraft(t.Kind, t.Channel,
            t.Fields.Select(f => new TemplateField(f.Name, f.Text)).ToList(), t.ExternalTemplateId, t.Link)).ToList();
        foreach (var draft in drafts)
        {
            var v = new BuildingBlocks.Domain.Validator();
            draft.Validate(v);
            v.ThrowIfInvalid(); // a shipped template that does not validate is a build fault: fail at start, loudly
        }
        return new ShippedTemplates(terms, drafts);
    }
}
