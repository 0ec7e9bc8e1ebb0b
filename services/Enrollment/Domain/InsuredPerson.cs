using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Enrollment.Domain;

/// <summary>Kinds of insured person, as in the glossary.</summary>
public enum InsuredKind
{
    Employee = 1,                      // 职工
    Resident = 2,                      // 城乡居民
    FlexibleWorker = 3,                // 灵活就业
    Retiree = 4,                       // 退休
    UnemploymentBenefitRecipient = 5,  // 领取失业保险金
}

/// <summary>参保人.</summary>
public sealed record InsuredPerson(
    Guid PersonId,
    ResidentIdNumber IdNumber,
    string Name,
    InsuredKind Kind,
    UnifiedSocialCreditCode? EmployerCreditCode,
    DateOnly InsuredFrom,
    string? MobilePhone,
    DateTimeOffset RegisteredAt)
{
    /// <summary>Same registration data (assigned id and registration time aside).</summary>
    public bool SameRegistrationAs(InsuredPerson other) =>
        IdNumber == other.IdNumber && Name == other.Name && Kind == other.Kind &&
        EmployerCreditCode == other.EmployerCreditCode && InsuredFrom == other.InsuredFrom && MobilePhone == other.MobilePhone;
}

public static class MobilePhone
{
    /// <summary>Mainland mobile numbers: 11 digits starting 13-19.</summary>
    public static bool IsValid(string phone) =>
        phone.Length == 11 && phone[0] == '1' && phone[1] is >= '3' and <= '9' && phone.All(char.IsAsciiDigit);
}
