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

/// <summary>
/// One stretch of a person's insurance with one kind, one employer and one pooling region (统筹区). A person's history
/// is a sequence of periods without overlap; eligibility is judged with the period that contains the event date, under
/// that period's region's rules. Benefits start at <see cref="CoveredFrom"/>, later than <see cref="ValidFrom"/> when a
/// waiting period (待遇等待期) applies.
/// </summary>
public sealed record InsurancePeriod(
    InsuredKind Kind,
    UnifiedSocialCreditCode? EmployerCreditCode,
    DateOnly ValidFrom,
    DateOnly? ValidTo,
    DateOnly CoveredFrom,
    string Reason,
    string Region)
{
    public bool Contains(DateOnly date) => ValidFrom <= date && (ValidTo is null || date <= ValidTo);
}

/// <summary>
/// 参保人. A newborn may have only a birth certificate number (出生医学证明编号) until household registration (落户)
/// gives the ID number.
/// </summary>
public sealed record InsuredPerson(
    Guid PersonId,
    ResidentIdNumber? IdNumber,
    string? BirthCertificateNumber,
    string Name,
    DateOnly BirthDate,
    string? MobilePhone,
    DateTimeOffset RegisteredAt,
    IReadOnlyList<InsurancePeriod> History)
{
    public InsurancePeriod Current => History[^1];
    public InsuredKind Kind => Current.Kind;
    public UnifiedSocialCreditCode? EmployerCreditCode => Current.EmployerCreditCode;
    public string Region => Current.Region;
    public DateOnly InsuredFrom => History[0].ValidFrom;

    /// <summary>Same registration data as a repeated request would carry (the first period, not later changes).</summary>
    public bool SameRegistrationAs(InsuredPerson other) =>
        IdNumber == other.IdNumber && Name == other.Name && History[0].Kind == other.History[0].Kind &&
        History[0].EmployerCreditCode == other.History[0].EmployerCreditCode && InsuredFrom == other.InsuredFrom &&
        History[0].Region == other.History[0].Region &&
        MobilePhone == other.MobilePhone && BirthCertificateNumber == other.BirthCertificateNumber;

    /// <summary>The masked identity for logs: ID number if known, else the birth certificate number.</summary>
    public string MaskedIdentity => IdNumber?.Masked ?? PersonalData.MaskIdNumber(BirthCertificateNumber ?? "");

    /// <summary>
    /// The history after a change of kind or employer from <paramref name="effectiveFrom"/>: the period in force is
    /// closed the day before, and any period that would start later is refused (history is appended, not rewritten).
    /// </summary>
    public IReadOnlyList<InsurancePeriod> WithChange(InsurancePeriod next)
    {
        if (next.ValidFrom <= Current.ValidFrom)
            throw new RuleViolationException("history-append-only",
                $"a change must take effect after the current period began ({Current.ValidFrom:yyyy-MM-dd}); corrections of the past are made by the fund centre");
        var closed = Current with { ValidTo = Current.ValidTo is { } end && end < next.ValidFrom.AddDays(-1) ? end : next.ValidFrom.AddDays(-1) };
        return [.. History.Take(History.Count - 1), closed, next];
    }

    /// <summary>The history after insurance ends on <paramref name="lastDay"/> (left the region, stopped contributing).</summary>
    public IReadOnlyList<InsurancePeriod> WithEnd(DateOnly lastDay)
    {
        if (Current.ValidTo is { } ended)
            throw new RuleViolationException("insurance-open", $"the insurance already ended on {ended:yyyy-MM-dd}");
        if (lastDay < Current.ValidFrom)
            throw new RuleViolationException("history-append-only",
                $"the last day cannot be before the current period began ({Current.ValidFrom:yyyy-MM-dd}); corrections of the past are made by the fund centre");
        return [.. History.Take(History.Count - 1), Current with { ValidTo = lastDay }];
    }
}

public static class MobilePhone
{
    /// <summary>Mainland mobile numbers: 11 digits starting 13-19.</summary>
    public static bool IsValid(string phone) =>
        phone.Length == 11 && phone[0] == '1' && phone[1] is >= '3' and <= '9' && phone.All(char.IsAsciiDigit);
}
