namespace MaternityCloud.Contracts.Events;

/// <summary>
/// Enrollment registered an insured person (参保人). Kind uses the glossary names
/// (Employee, Resident, FlexibleWorker, Retiree, UnemploymentBenefitRecipient) so that adding a kind
/// does not break older consumers.
/// </summary>
public sealed record InsuredPersonRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid PersonId,
    string Name,
    string Kind,
    string? EmployerCreditCode,
    DateOnly InsuredFrom,
    string? MobilePhone) : IIntegrationEvent;
