using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Allowance.Domain;

public enum CaseState
{
    /// <summary>Waiting for an operator: a fact could not be verified (named in <see cref="AllowanceCase.Findings"/>).</summary>
    PendingReview = 1,
    /// <summary>Every fact verified: to be paid by the due date.</summary>
    Approved = 2,
    /// <summary>In a payment batch sent to the bank, waiting for its result.</summary>
    InPayment = 3,
    Paid = 4,
    /// <summary>Not eligible: every reason recorded.</summary>
    Refused = 5,
    /// <summary>The settlement behind it was reversed before payment.</summary>
    Cancelled = 6,
    /// <summary>Paid, then the settlement behind it was reversed: the amount is to be recovered from the employer.</summary>
    RecoveryOpen = 7,
}

/// <summary>Where a report of the event came from: the settlement itself (免申办), or an application.</summary>
public enum Channel
{
    Settlement = 1,
    /// <summary>一事联办: the hospital submits the joint form after settling.</summary>
    HospitalJointForm = 2,
    GrassrootsPoint = 3,
}

/// <summary>A fact the case depends on that is missing or refused: a code and words for the operator.</summary>
public sealed record Finding(string Code, string Message);

/// <summary>
/// One allowance per person per birth event. The computation is kept with the case, line by line; the findings say why
/// a case waits for an operator or was refused.
/// </summary>
public sealed record AllowanceCase(
    Guid CaseId,
    ResidentIdNumber IdNumber,
    string Region,
    string PolicyVersion,
    BirthEvent Event,
    string? EmployerCreditCode,
    AllowanceComputation? Computation,
    CaseState State,
    IReadOnlyList<Finding> Findings,
    DateOnly? ApprovedOn,
    DateOnly? DueDate,
    Guid? SettlementId,
    Guid? BatchId,
    bool ReversalPending,
    DateTimeOffset OpenedAt,
    string? FactsVerifiedBy)
{
    /// <summary>An operator's refusal stands: new reports attach to the case but do not reopen it.</summary>
    public bool RefusedByOperator => State == CaseState.Refused && Findings.Any(f => f.Code == "refused-by-operator");

    /// <summary>Not yet handed to the bank: its facts, amount and state may still follow the reports.</summary>
    public bool BeforePayment => State is CaseState.PendingReview or CaseState.Approved or CaseState.Refused or CaseState.Cancelled && BatchId is null;

    public bool IsPayable => State == CaseState.Approved && Computation is { Amount: > 0 } && EmployerCreditCode is not null;

    public void Require(CaseState expected, string action)
    {
        if (State != expected)
            throw new RuleViolationException("case-state", $"allowance case {CaseId} is {State}; {action} needs it {expected}");
    }
}
