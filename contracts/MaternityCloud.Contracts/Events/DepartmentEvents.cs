namespace MaternityCloud.Contracts.Events;

// Facts other departments share with the fund (数据共享). Their adapters publish these; Enrollment consumes them.

/// <summary>The health commission (卫健委) issued a birth medical certificate (出生医学证明).</summary>
public sealed record BirthCertificateIssued(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string CertificateNumber,
    DateOnly BirthDate,
    string NewbornName,
    string MotherIdNumber,
    string GuardianIdNumber,
    string GuardianName,
    string? GuardianMobilePhone,
    string Region) : IIntegrationEvent;

/// <summary>Civil affairs (民政) registered a marriage (结婚登记).</summary>
public sealed record MarriageRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string CertificateNumber,
    string HusbandIdNumber,
    string WifeIdNumber,
    DateOnly RegisteredOn) : IIntegrationEvent;
