using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

/// <summary>
/// Spouse filing (备案登记) for the unemployed spouse of an insured male employee, checked against civil affairs'
/// marriage record and human resources' employment records (配偶是否未就业).
/// </summary>
public sealed partial class SpouseFilingHandlers(
    EnrollmentChanges changes, EnrollmentRepository repository, IMarriageRegistry marriages, TimeProvider clock, ILogger<SpouseFilingHandlers> logger)
{
    public async Task<SpouseFiling> FileAsync(FileSpouse command, CancellationToken ct)
    {
        var v = new Validator();
        var employeeId = v.IdNumber("employee_id_number", command.EmployeeIdNumber);
        var spouseId = v.IdNumber("spouse_id_number", command.SpouseIdNumber);
        var spouseName = v.Text("spouse_name", command.SpouseName);
        var certificate = v.Text("marriage_certificate_number", command.MarriageCertificateNumber, 40);
        var institution = v.Text("institution_code", command.InstitutionCode, 40);
        var filedBy = v.Text("filed_by", command.FiledBy);
        if (!v.HasErrorFor("employee_id_number") && !employeeId.IsMale)
            v.Add("employee_id_number", "the insured employee of a spouse filing is the husband (a male ID number)");
        if (!v.HasErrorFor("spouse_id_number") && spouseId.IsMale)
            v.Add("spouse_id_number", "the filed spouse is the wife (a female ID number)");
        v.ThrowIfInvalid();

        var today = clock.GetLocalToday();
        var marriage = await marriages.FindAsync(certificate, ct)
            ?? throw new RuleViolationException("marriage-verified",
                $"civil affairs has no marriage record with certificate number '{certificate}'; check the number or ask civil affairs");
        if (marriage.HusbandIdNumber != employeeId || marriage.WifeIdNumber != spouseId)
            throw new RuleViolationException("marriage-verified", "the marriage record with this certificate number names other persons");
        if (marriage.DissolvedOn is { } dissolved)
            throw new RuleViolationException("marriage-verified", $"civil affairs recorded the dissolution of this marriage on {dissolved:yyyy-MM-dd}");

        return await changes.RunAsync(async (change, token) =>
        {
            var tx = change.Tx;
            var employee = await repository.FindPersonByIdNumberAsync(tx.Connection, employeeId.Value, token)
                ?? throw new RuleViolationException("spouse-filing-employee", $"the husband ({employeeId.Masked}) is not an insured person");
            if (employee.History.FirstOrDefault(p => p.Contains(today)) is not { Kind: InsuredKind.Employee })
                throw new RuleViolationException("spouse-filing-employee", $"the husband ({employeeId.Masked}) is not insured as an employee today");
            var spouse = await repository.FindPersonByIdNumberAsync(tx.Connection, spouseId.Value, token);
            if (spouse?.History.FirstOrDefault(p => p.Contains(today)) is { Kind: InsuredKind.Employee })
                throw new RuleViolationException("spouse-unemployed",
                    "the spouse is insured as an employee herself: she is covered by her own insurance, not by a filing");
            if (LabourRecord.EmployedOn(await repository.LabourRecordsAsync(tx.Connection, spouseId.Value, token), today))
                throw new RuleViolationException("spouse-unemployed",
                    "human resources records the spouse as employed today (就业登记): an employed spouse is not filed as unemployed");

            var filing = new SpouseFiling(Guid.CreateVersion7(), spouseId, spouseName, employee.PersonId, certificate, today, filedBy,
                institution, clock.GetUtcNowForDatabase());
            if (!await TryInsertAsync(tx, filing, token))
            {
                var existing = (await repository.FindFilingAsync(tx.Connection, spouseId.Value, token))!;
                return existing.EmployeePersonId == filing.EmployeePersonId && existing.MarriageCertificateNumber == certificate
                    ? existing
                    : throw new AlreadyExistsException("spouse filing", spouseId.Masked, "the spouse is filed with another marriage record");
            }

            change.AffectsSubject(EligibilitySubject.ForIdNumber(spouseId.Value));
            if (spouse is not null) change.Affects(spouse.PersonId);
            tx.Publish(new SpouseFiled(Guid.CreateVersion7(), filing.CreatedAt, filing.FilingId, spouseId.Value, employee.PersonId,
                certificate, today));
            LogFiled(filing.FilingId, spouseId.Masked, employeeId.Masked);
            return filing;
        }, ct);
    }

    private static async Task<bool> TryInsertAsync(OutboxTransaction tx, SpouseFiling f, CancellationToken ct)
    {
        await using var command = tx.Command(
            """
            INSERT INTO spouse_filing (filing_id, spouse_id_number, spouse_name, employee_person_id, marriage_certificate_number, filed_on,
                                       filed_by, institution_code, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (spouse_id_number) DO NOTHING
            """,
            f.FilingId, f.SpouseIdNumber.Value, f.SpouseName, f.EmployeePersonId, f.MarriageCertificateNumber, f.FiledOn, f.FiledBy,
            f.InstitutionCode, f.CreatedAt);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Spouse filing {FilingId}: {Spouse} through {Employee}")]
    private partial void LogFiled(Guid filingId, string spouse, string employee);
}
