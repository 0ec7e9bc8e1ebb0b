namespace MaternityCloud.Enrollment.Domain;

/// <summary>The employer's corporate account: the maternity allowance is paid here, never to the person.</summary>
public sealed record BankAccount(string BankName, string AccountNumber, string AccountName);

/// <summary>用人单位.</summary>
public sealed record Employer(UnifiedSocialCreditCode CreditCode, string Name, BankAccount CorporateAccount, DateTimeOffset RegisteredAt)
{
    /// <summary>Same registration data (registration time aside): a repeated request, not a conflicting one.</summary>
    public bool SameRegistrationAs(Employer other) =>
        CreditCode == other.CreditCode && Name == other.Name && CorporateAccount == other.CorporateAccount;
}
