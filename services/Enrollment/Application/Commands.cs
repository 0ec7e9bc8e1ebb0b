namespace MaternityCloud.Enrollment.Application;

// Requests as the caller sent them (raw text): the handlers validate and say which field is wrong and why.
public sealed record RegisterEmployer(string CreditCode, string Name, string BankName, string AccountNumber, string AccountName);

public sealed record SetEmployerWage(string CreditCode, int Year, string AverageMonthlyWage);

public sealed record RegisterInsuredPerson(
    string IdNumber, string Name, Domain.InsuredKind? Kind, string EmployerCreditCode, string InsuredFrom, string MobilePhone, string Region);

public sealed record ChangeInsurance(
    string PersonId, Domain.InsuredKind? Kind, string EmployerCreditCode, string EffectiveFrom, string Reason, string Region);

public sealed record EndInsurance(string PersonId, string LastDay, string Reason);

/// <summary>A person is looked up by the platform's person id, resident ID number, or (a newborn) birth certificate number.</summary>
public sealed record InsuredPersonKey(string? PersonId, string? IdNumber, string? BirthCertificateNumber = null);

public sealed record FileSpouse(
    string EmployeeIdNumber, string SpouseIdNumber, string SpouseName, string MarriageCertificateNumber, string InstitutionCode, string FiledBy);

public sealed record EnrollNewborn(string BirthCertificateNumber, string Name, string BirthDate, string GuardianIdNumber, string Region, string EnrolledOn);

public sealed record UpdateNewbornIdentity(string PersonId, string IdNumber);
