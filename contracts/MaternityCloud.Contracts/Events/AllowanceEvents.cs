namespace MaternityCloud.Contracts.Events;

/// <summary>An allowance case was approved: it is paid to the employer by <see cref="DueDate"/> (drives the warm reminder).</summary>
public sealed record AllowanceApproved(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CaseId,
    string IdNumber,
    string EmployerCreditCode,
    string EventKind,
    DateOnly EventDate,
    int Days,
    decimal DailyAmount,
    decimal Amount,
    DateOnly DueDate,
    string Region = "") : IIntegrationEvent;

/// <summary>The bank paid the case's amount to the employer's corporate account.</summary>
public sealed record AllowancePaid(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CaseId,
    string IdNumber,
    string EmployerCreditCode,
    decimal Amount,
    Guid BatchId,
    string BankReference,
    string Region = "") : IIntegrationEvent;

/// <summary>
/// The person is not entitled to the allowance for this event; every reason, with its code. <see cref="OperatorReason"/>
/// is what the reviewing operator wrote when an operator refused it (without who), for the applicant to read.
/// </summary>
public sealed record AllowanceRefused(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CaseId,
    string IdNumber,
    string EventKind,
    DateOnly EventDate,
    IReadOnlyList<string> ReasonCodes,
    string Reasons,
    string Region = "",
    string? OperatorReason = null) : IIntegrationEvent;

/// <summary>The case was cancelled before payment (its settlement was reversed).</summary>
public sealed record AllowanceCancelled(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CaseId,
    string IdNumber,
    string Reason,
    string Region = "") : IIntegrationEvent;

/// <summary>The case was paid and its settlement then reversed: the amount is to be recovered from the employer.</summary>
public sealed record AllowanceRecoveryOpened(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CaseId,
    string IdNumber,
    string EmployerCreditCode,
    decimal Amount,
    string Reason,
    string Region = "") : IIntegrationEvent;
