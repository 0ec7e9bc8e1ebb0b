using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Notifications.Domain;
using MaternityCloud.Notifications.Infrastructure;

namespace MaternityCloud.Notifications.Application;

/// <summary>Template versions: listed, and published by operators as the next version.</summary>
public sealed class TemplateHandlers(TemplateStore store)
{
    public async Task<IReadOnlyList<MessageTemplate>> ListAsync(string kindText, CancellationToken ct)
    {
        var kind = string.IsNullOrWhiteSpace(kindText) ? null : kindText.Trim();
        if (kind is not null && !NoticeKinds.IsKnown(kind))
            throw new ValidationFailedException([new FieldViolation("kind", $"must be one of {string.Join(", ", NoticeKinds.Variables.Keys.Order())}")]);
        return await store.ListAsync(kind, ct);
    }

    public async Task<MessageTemplate> PublishAsync(TemplateDraft draft, string publishedByText, CancellationToken ct)
    {
        var v = new Validator();
        var by = v.Text("published_by", publishedByText);
        draft.Validate(v);
        v.ThrowIfInvalid();
        return await store.PublishAsync(draft, by, ct);
    }
}
