namespace MaternityCloud.Enrollment.Application;

// Requests as the caller sent them (raw text): the handlers validate and say which field is wrong and why.
public sealed record RegisterEmployer(string CreditCode, string Name, string BankName, string AccountNumber, string AccountName);

public sealed record RegisterInsuredPerson(
    string IdNumber, string Name, Domain.InsuredKind? Kind, string EmployerCreditCode, string InsuredFrom, string MobilePhone);

/// <summary>A person is looked up by the platform's person id or by resident ID number.</summary>
public sealed record InsuredPersonKey(string? PersonId, string? IdNumber);
