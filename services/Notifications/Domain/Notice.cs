namespace MaternityCloud.Notifications.Domain;

/// <summary>
/// What one person is to be told about one business event: the kind, the business subject it is about (a case, a
/// birth certificate, a registration), the person, and the values for the templates. A phone number carried by the
/// event itself (the guardian's, the applicant's) is used when the person is not known here.
/// </summary>
public sealed record Notice(
    string Kind,
    string Subject,
    string IdNumber,
    string Region,
    IReadOnlyDictionary<string, string> Values,
    string? NameFromEvent = null,
    string? PhoneFromEvent = null)
{
    /// <summary>Once per person, business event and channel: redelivered or duplicated events find this key taken.</summary>
    public string DeduplicationKey(Channel channel) => $"{Kind}:{Subject}:{IdNumber}:{channel}";
}
