using System.Text.Json;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>
/// One version of a pooling region's (统筹区) parameter set, in force from <see cref="EffectiveFrom"/> until the next
/// version of the same region. Decisions pick the version by the event's date and record <see cref="Version"/>.
/// </summary>
public sealed record RegionPolicy(
    long VersionId,
    string Region,
    string Name,
    DateOnly EffectiveFrom,
    EligibilityParameters Eligibility,
    MedicalParameters Medical,
    ReimbursementParameters Reimbursement,
    AllowanceParameters Allowance,
    NotificationParameters Notifications,
    JsonElement Document)
{
    /// <summary>How a decision names the rules it used, e.g. "330300@2024-01-01#3".</summary>
    public string Version => $"{Region}@{EffectiveFrom:yyyy-MM-dd}#{VersionId}";
}

/// <summary>How contribution months are counted towards the region's minimum.</summary>
public enum ContributionCounting
{
    /// <summary>The months immediately before the event's month, without a gap.</summary>
    Continuous,
    /// <summary>All qualifying months before the event's month.</summary>
    Cumulative,
}

/// <summary>When a newborn enrolled late is covered from.</summary>
public enum LateEnrolmentCoverage
{
    NextDay,
    NextMonth,
}

/// <summary>The newborn waiting-period rule (待遇等待期): enrolled within the window means covered from birth.</summary>
public sealed record NewbornWaitingPeriod(int EnrolWithinDays, LateEnrolmentCoverage LateEnrolmentCoveredFrom)
{
    public DateOnly CoveredFrom(DateOnly birthDate, DateOnly enrolledOn)
    {
        if (enrolledOn <= birthDate.AddDays(EnrolWithinDays)) return birthDate;
        return LateEnrolmentCoveredFrom switch
        {
            LateEnrolmentCoverage.NextDay => enrolledOn.AddDays(1),
            _ => new DateOnly(enrolledOn.Year, enrolledOn.Month, 1).AddMonths(1),
        };
    }
}

/// <summary>
/// Who may receive maternity benefits in a region. Kind names are those of the glossary (Employee, Resident,
/// FlexibleWorker, Retiree, UnemploymentBenefitRecipient); they stay text here so this library knows no service.
/// </summary>
public sealed record EligibilityParameters(
    IReadOnlySet<string> MaternityMedicalKinds,
    IReadOnlySet<string> ContributingKinds,
    int MinimumContributionMonths,
    ContributionCounting ContributionCounting,
    bool BackPaymentsCounted,
    bool MustBeInsuredOnEventDate,
    IReadOnlySet<string> AllowanceExcludedKinds,
    bool SpouseReceivesAllowance,
    NewbornWaitingPeriod NewbornWaitingPeriod)
{
    /// <summary>
    /// Benefits are suspended while the person is imprisoned or detained (服刑、羁押期间暂停医保待遇), as justice or public
    /// security reports it. Optional in a parameter file; most regions suspend.
    /// </summary>
    public bool ImprisonmentSuspendsBenefits { get; init; } = true;

    /// <summary>
    /// Months paid in another pooling region and transferred in (医保关系转移接续) count toward the minimum months here
    /// (the national rule for transfers: 缴费年限累计计算). Optional in a parameter file; counted unless it says false.
    /// </summary>
    public bool TransferredMonthsCounted { get; init; } = true;
}
