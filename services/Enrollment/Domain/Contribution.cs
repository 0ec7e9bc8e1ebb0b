namespace MaternityCloud.Enrollment.Domain;

/// <summary>
/// 缴费: one insured person's contribution for one calendar month (<see cref="Month"/> is its first day).
/// "Paid in full and on time" (按规定及时足额缴费) is what eligibility asks; a back-payment (补缴) counts only where the
/// region says so. <see cref="TransferredFrom"/> names the pooling region a month transferred in (医保关系转移接续) was paid
/// in; such months count where the region's rules say so.
/// </summary>
public sealed record ContributionMonth(DateOnly Month, bool PaidInFullOnTime, bool BackPayment, string? TransferredFrom = null);

/// <summary>A contribution record as it arrives in bulk: one row of the employer's or tax bureau's feed.</summary>
public sealed record ContributionRow(
    int Line,
    string IdNumber,
    string Month,
    string EmployerCreditCode,
    bool PaidInFullOnTime,
    bool BackPayment,
    string Amount);

/// <summary>A row that was refused, with its line (or message number) and why.</summary>
public sealed record RejectedRow(int Line, string Field, string Reason);
