namespace MaternityCloud.Contracts.Events;

// Facts other departments share with the fund (数据共享). Departments send them to Enrollment's DepartmentExchange
// gRPC service; Enrollment publishes them for the services that act on them.

/// <summary>The health commission (卫健委) issued a birth medical certificate (出生医学证明); published by Enrollment once recorded.</summary>
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
