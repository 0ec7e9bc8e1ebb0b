namespace MaternityCloud.Notifications.Domain;

/// <summary>
/// The Chinese words notices use for the codes events carry: event kinds, reimbursement items, refusal reasons. They
/// are shipped with the templates (Templates/shipped.json), so wording is data, not code.
/// </summary>
public sealed record NoticeTerms(
    string AnonymousName,
    IReadOnlyDictionary<string, string> EventKinds,
    IReadOnlyDictionary<string, string> Items,
    IReadOnlyDictionary<string, string> Reasons,
    string WithdrawnBeforePayment,
    string WithdrawnAfterPayment)
{
    public const string OperatorRefusal = "refused-by-operator";

    public string EventKind(string code) => EventKinds.GetValueOrDefault(code, code);

    public string Item(string code) => Items.GetValueOrDefault(code, code);

    /// <summary>Every reason in the applicant's words, the reviewing operator's own words after an operator's refusal.</summary>
    public string RefusalReasons(IEnumerable<string> codes, string? operatorReason)
    {
        var phrases = codes.Distinct().Select(code => code == OperatorRefusal && !string.IsNullOrWhiteSpace(operatorReason)
            ? $"{Reasons.GetValueOrDefault(code, code)}（{operatorReason.Trim()}）"
            : Reasons.GetValueOrDefault(code) ?? Reasons.GetValueOrDefault("other", code)).Distinct().ToList();
        return phrases.Count == 0 ? Reasons.GetValueOrDefault("other", "") : string.Join("；", phrases);
    }
}
