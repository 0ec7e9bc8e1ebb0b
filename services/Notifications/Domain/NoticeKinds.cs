using System.Collections.Frozen;

namespace MaternityCloud.Notifications.Domain;

/// <summary>
/// What a person is told about, with the variables a template for it may use. A template naming a variable its kind
/// does not supply is refused when it is published, so rendering never meets an unknown name.
/// </summary>
public static class NoticeKinds
{
    public const string AllowanceApproved = "allowance-approved";
    public const string AllowancePaid = "allowance-paid";
    public const string AllowanceRefused = "allowance-refused";
    public const string AllowanceWithdrawn = "allowance-withdrawn";
    public const string NewbornEnrolmentReminder = "newborn-enrolment-reminder";
    public const string NewbornEnrolled = "newborn-enrolled";
    public const string PrenatalRegistered = "prenatal-registered";
    public const string ReimbursementAccepted = "reimbursement-accepted";
    public const string ReimbursementRejected = "reimbursement-rejected";
    public const string ReimbursementPaid = "reimbursement-paid";

    // Every kind also has the region's hotline and official account's name. {name} is always the person addressed
    // (the guardian, for a newborn).
    private static readonly string[] Common = ["hotline", "officialAccount"];

    public static readonly FrozenDictionary<string, FrozenSet<string>> Variables = new Dictionary<string, string[]>
    {
        [AllowanceApproved] = ["name", "eventKind", "eventDate", "days", "dailyAmount", "amount", "dueDate", "policyLink"],
        [AllowancePaid] = ["name", "amount", "paidDate"],
        [AllowanceRefused] = ["name", "eventKind", "eventDate", "reasons"],
        [AllowanceWithdrawn] = ["name", "reason"],
        [NewbornEnrolmentReminder] = ["name", "newbornName", "birthDate", "enrolBefore", "newbornLink"],
        [NewbornEnrolled] = ["name", "newbornName", "coveredFrom"],
        [PrenatalRegistered] = ["name", "expectedDeliveryDate", "prenatalQuota", "policyLink"],
        [ReimbursementAccepted] = ["name", "item", "claimedAmount", "servicePoint", "dueDate"],
        [ReimbursementRejected] = ["name", "item", "reason", "servicePoint", "servicePointTelephone"],
        [ReimbursementPaid] = ["name", "item", "approvedAmount"],
    }.ToFrozenDictionary(k => k.Key, k => k.Value.Concat(Common).ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    public static bool IsKnown(string kind) => Variables.ContainsKey(kind);
}
