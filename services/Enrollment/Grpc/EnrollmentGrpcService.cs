using System.Runtime.CompilerServices;
using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Application;
using MaternityCloud.Enrollment.Infrastructure;
using MaternityCloud.ServiceDefaults.Grpc;
using MaternityCloud.ServiceDefaults.Security;
using Domain = MaternityCloud.Enrollment.Domain;

namespace MaternityCloud.Enrollment.Grpc;

/// <summary>Thin adapter: proto in, application handler, proto out. Refusals are mapped by the shared interceptor.</summary>
public sealed class EnrollmentGrpcService(
    EnrollmentHandlers handlers,
    ContributionImport contributions,
    SpouseFilingHandlers spouseFilings,
    NewbornHandlers newborns,
    EligibilityQueries eligibility,
    InstitutionHandlers institutions,
    RegionPolicyStore policyStore,
    RegionPolicyCatalog policyCatalog,
    EligibilityCache eligibilityCache,
    CalendarStore calendars,
    ElectronicCodeHandlers codes,
    EnrollmentDriveHandlers drives,
    TransferHandlers transfers,
    TimeProvider clock) : Contracts.Enrollment.V1.Enrollment.EnrollmentBase
{
    public override async Task<Employer> RegisterEmployer(RegisterEmployerRequest request, ServerCallContext context)
    {
        var account = request.CorporateAccount ?? new BankAccount();
        var employer = await handlers.RegisterEmployerAsync(
            new RegisterEmployer(request.CreditCode, request.Name, account.BankName, account.AccountNumber, account.AccountName),
            context.CancellationToken);
        return ToProto(employer);
    }

    public override async Task<Employer> GetEmployer(GetEmployerRequest request, ServerCallContext context) =>
        ToProto(await handlers.GetEmployerAsync(request.CreditCode, context.CancellationToken));

    public override async Task<EmployerWage> SetEmployerWage(SetEmployerWageRequest request, ServerCallContext context)
    {
        var (code, year, wage) = await handlers.SetEmployerWageAsync(
            new SetEmployerWage(request.CreditCode, request.Year, request.AverageMonthlyWage), context.CancellationToken);
        return new EmployerWage { CreditCode = code, Year = year, AverageMonthlyWage = ProtoValues.Money(wage) };
    }

    public override async Task<EmployerWage> GetEmployerWage(GetEmployerWageRequest request, ServerCallContext context)
    {
        var wage = await handlers.GetEmployerWageAsync(request.CreditCode, request.Year, context.CancellationToken);
        return new EmployerWage { CreditCode = request.CreditCode.Trim().ToUpperInvariant(), Year = request.Year, AverageMonthlyWage = ProtoValues.Money(wage) };
    }

    public override async Task<InsuredPerson> RegisterInsuredPerson(RegisterInsuredPersonRequest request, ServerCallContext context) =>
        ToProto(await handlers.RegisterInsuredPersonAsync(
            new RegisterInsuredPerson(request.IdNumber, request.Name, ToDomain(request.Kind), request.EmployerCreditCode,
                request.InsuredFrom, request.MobilePhone, request.Region),
            context.CancellationToken));

    public override async Task<InsuredPerson> GetInsuredPerson(GetInsuredPersonRequest request, ServerCallContext context)
    {
        var key = request.KeyCase switch
        {
            GetInsuredPersonRequest.KeyOneofCase.PersonId => new InsuredPersonKey(request.PersonId, null),
            GetInsuredPersonRequest.KeyOneofCase.IdNumber => new InsuredPersonKey(null, request.IdNumber),
            GetInsuredPersonRequest.KeyOneofCase.BirthCertificateNumber => new InsuredPersonKey(null, null, request.BirthCertificateNumber),
            _ => new InsuredPersonKey(null, null),
        };
        return ToProto(await handlers.GetInsuredPersonAsync(key, context.CancellationToken));
    }

    public override async Task<InsuredPerson> ChangeInsurance(ChangeInsuranceRequest request, ServerCallContext context) =>
        ToProto(await handlers.ChangeInsuranceAsync(
            new ChangeInsurance(request.PersonId, ToDomain(request.Kind), request.EmployerCreditCode, request.EffectiveFrom, request.Reason, request.Region),
            context.CancellationToken));

    public override async Task<InsuredPerson> EndInsurance(EndInsuranceRequest request, ServerCallContext context) =>
        ToProto(await handlers.EndInsuranceAsync(new EndInsurance(request.PersonId, request.LastDay, request.Reason), context.CancellationToken));

    public override async Task<ContributionImportResult> RecordContributions(
        IAsyncStreamReader<ContributionRecord> requestStream, ServerCallContext context)
    {
        var result = await contributions.ImportAsync(Rows(requestStream, context.CancellationToken), context.CancellationToken);
        var reply = new ContributionImportResult { Received = result.Received, Stored = result.Stored };
        reply.Rejected.AddRange(result.Rejected.Select(r => new RejectedContribution { Line = r.Line, Field = r.Field, Reason = r.Reason }));
        return reply;
    }

    public override async Task<SpouseFiling> FileSpouse(FileSpouseRequest request, ServerCallContext context)
    {
        var f = await spouseFilings.FileAsync(new FileSpouse(request.EmployeeIdNumber, request.SpouseIdNumber, request.SpouseName,
            request.MarriageCertificateNumber, request.InstitutionCode, request.FiledBy), context.CancellationToken);
        return new SpouseFiling
        {
            FilingId = f.FilingId.ToString(),
            SpouseIdNumber = f.SpouseIdNumber.Value,
            SpouseName = f.SpouseName,
            EmployeePersonId = f.EmployeePersonId.ToString(),
            MarriageCertificateNumber = f.MarriageCertificateNumber,
            FiledOn = ProtoValues.Date(f.FiledOn),
            InstitutionCode = f.InstitutionCode,
        };
    }

    public override async Task<InsuredPerson> EnrollNewborn(EnrollNewbornRequest request, ServerCallContext context) =>
        ToProto(await newborns.EnrollAsync(new EnrollNewborn(request.BirthCertificateNumber, request.Name, request.BirthDate,
            request.GuardianIdNumber, request.Region, request.EnrolledOn), context.CancellationToken));

    public override async Task<LinkedNewborn> LinkNewborn(LinkNewbornRequest request, ServerCallContext context)
    {
        var linked = await codes.LinkNewbornAsync(request.BirthCertificateNumber, request.GuardianIdNumber, context.Caller(), context.CancellationToken);
        var n = linked.Newborn;
        return new LinkedNewborn
        {
            PersonId = n.PersonId.ToString(), Name = n.Name, BirthDate = ProtoValues.Date(n.BirthDate), BirthCertificateNumber = n.BirthCertificateNumber ?? "",
            IdNumber = n.IdNumber?.Value ?? "", LinkedAt = linked.LinkedAt.ToString("O"), ElectronicCode = ToProto(linked.Code),
        };
    }

    public override async Task<ElectronicCode> IssueElectronicCode(IssueElectronicCodeRequest request, ServerCallContext context) =>
        ToProto(await codes.IssueAsync(request.IdNumber, context.Caller(), context.CancellationToken));

    public override async Task<ElectronicCodeHolder> ResolveElectronicCode(ResolveElectronicCodeRequest request, ServerCallContext context)
    {
        var holder = await codes.ResolveAsync(request.Code, context.CancellationToken)
            ?? throw new BuildingBlocks.Domain.NotFoundException("electronic code", "given");
        return new ElectronicCodeHolder
        {
            PersonId = holder.PersonId.ToString(), IdNumber = holder.IdNumber ?? "", BirthCertificateNumber = holder.BirthCertificateNumber ?? "",
        };
    }

    private static ElectronicCode ToProto(Domain.ElectronicCode c) => new()
    {
        Code = c.Code, PersonId = c.PersonId.ToString(), IssuedAt = c.IssuedAt.ToString("O"),
    };

    public override async Task<InsuredPerson> UpdateNewbornIdentity(UpdateNewbornIdentityRequest request, ServerCallContext context) =>
        ToProto(await newborns.UpdateIdentityAsync(new UpdateNewbornIdentity(request.PersonId, request.IdNumber), context.CancellationToken));

    public override async Task<EligibilityDecision> CheckEligibility(CheckEligibilityRequest request, ServerCallContext context)
    {
        var answer = await eligibility.CheckAsync(new CheckEligibility(
            request.SubjectCase == CheckEligibilityRequest.SubjectOneofCase.PersonId ? request.PersonId : null,
            request.SubjectCase == CheckEligibilityRequest.SubjectOneofCase.IdNumber ? request.IdNumber : null,
            ProtoValues.ToDomain<Domain.Benefit>((int)request.Benefit),
            request.EventDate, request.Region, request.InstitutionCode), context.CancellationToken);
        var d = answer.Decision;
        var reply = new EligibilityDecision
        {
            Eligible = d.Eligible,
            PolicyVersion = d.PolicyVersion,
            Kind = d.Kind is { } kind ? (InsuredKind)(int)kind : InsuredKind.Unspecified,
            EmployerCreditCode = d.EmployerCreditCode ?? "",
            AsFiledSpouse = d.AsFiledSpouse,
            Region = d.Region,
        };
        if (answer.Institution is { } i)
            reply.Institution = new InstitutionStanding
            {
                InstitutionCode = i.InstitutionCode, Designated = i.Designated, Region = i.Region, MaternityQualified = i.MaternityQualified,
                FamilyPlanningQualified = i.FamilyPlanningQualified, CrossRegionSettlement = i.CrossRegionSettlement,
            };
        reply.Reasons.AddRange(d.Reasons.Select(r => new EligibilityReason
        {
            Code = r.Code, Message = r.Message, Until = r.Until is { } until ? ProtoValues.Date(until) : "",
        }));
        return reply;
    }

    public override async Task<Institution> RegisterInstitution(RegisterInstitutionRequest request, ServerCallContext context) =>
        ToProto(await institutions.RegisterAsync(ToRecord(request.Institution), context.Caller(), context.CancellationToken));

    public override async Task<Institution> UpdateInstitution(UpdateInstitutionRequest request, ServerCallContext context) =>
        ToProto(await institutions.UpdateAsync(ToRecord(request.Institution), request.Reason, context.Caller(), context.CancellationToken));

    public override async Task<Institution> GetInstitution(GetInstitutionRequest request, ServerCallContext context) =>
        ToProto(await institutions.GetAsync(request.InstitutionCode, context.CancellationToken));

    public override async Task<ListInstitutionsResponse> ListInstitutions(ListInstitutionsRequest request, ServerCallContext context)
    {
        var reply = new ListInstitutionsResponse();
        reply.Institutions.AddRange((await institutions.ListAsync(request.Region, context.CancellationToken)).Select(ToProto));
        return reply;
    }

    public override async Task<RegionPolicyVersion> LoadRegionPolicy(LoadRegionPolicyRequest request, ServerCallContext context)
    {
        var policy = await policyStore.LoadAsync(request.Document, context.Caller().Id, context.CancellationToken);
        // Cached answers carry the catalog generation, which just changed; this also frees the old entries at once.
        await eligibilityCache.FlushAsync();
        return ToProto(policy);
    }

    public override Task<ListRegionPoliciesResponse> ListRegionPolicies(ListRegionPoliciesRequest request, ServerCallContext context)
    {
        IEnumerable<string> regions = string.IsNullOrWhiteSpace(request.Region) ? policyCatalog.Regions.Order() : [request.Region.Trim()];
        var reply = new ListRegionPoliciesResponse();
        reply.Versions.AddRange(regions.SelectMany(policyCatalog.Versions).Select(ToProto));
        return Task.FromResult(reply);
    }

    public override async Task<InsuranceTransfer> TransferIn(TransferInRequest request, ServerCallContext context) =>
        ToProto(await transfers.TransferInAsync(request.TransferId, request.IdNumber, request.FromRegion,
            request.Months.Select(m => new Application.TransferMonthRow(m.Month, m.PaidInFullOnTime, m.BackPayment)).ToList(), context.Caller(), context.CancellationToken));

    public override async Task<InsuranceTransfer> TransferOut(TransferOutRequest request, ServerCallContext context) =>
        ToProto(await transfers.TransferOutAsync(request.TransferId, request.PersonId, request.ToRegion, request.LastDay, context.Caller(), context.CancellationToken));

    public override async Task<ListTransfersResponse> ListTransfers(ListTransfersRequest request, ServerCallContext context)
    {
        var reply = new ListTransfersResponse();
        reply.Transfers.AddRange((await transfers.ListAsync(request.IdNumber, context.CancellationToken)).Select(ToProto));
        return reply;
    }

    private static InsuranceTransfer ToProto(Application.TransferRecord t)
    {
        var reply = new InsuranceTransfer
        {
            TransferId = t.TransferId, Direction = (TransferDirection)(int)t.Direction, PersonId = t.PersonId.ToString(), IdNumber = t.IdNumber,
            OtherRegion = t.OtherRegion, EffectiveOn = ProtoValues.Date(t.EffectiveOn), Months = t.Months, MonthsAlreadyHere = t.MonthsAlreadyHere,
            RecordedBy = t.RecordedBy, RecordedAt = t.RecordedAt.ToString("O"),
        };
        reply.CertifiedMonths.AddRange(t.CertifiedMonths.Select(m => new Contracts.Enrollment.V1.TransferredMonth
        {
            Month = m.Month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), PaidInFullOnTime = m.PaidInFullOnTime, BackPayment = m.BackPayment,
            PaidIn = m.TransferredFrom ?? "",
        }));
        return reply;
    }

    public override async Task<ListUnenrolledNewbornsResponse> ListUnenrolledNewborns(ListUnenrolledNewbornsRequest request, ServerCallContext context)
    {
        var reply = new ListUnenrolledNewbornsResponse();
        reply.Newborns.AddRange((await drives.ListAsync(request.Region, request.Street, request.DaysSinceBirth, context.CancellationToken)).Select(n =>
            new Contracts.Enrollment.V1.UnenrolledNewborn
            {
                BirthCertificateNumber = BuildingBlocks.Domain.PersonalData.MaskIdNumber(n.Birth.CertificateNumber), NewbornName = n.Birth.NewbornName,
                BirthDate = ProtoValues.Date(n.Birth.BirthDate), Street = n.Street, GuardianName = n.Birth.GuardianName,
                GuardianMobilePhone = n.Birth.GuardianMobilePhone is { } phone ? BuildingBlocks.Domain.PersonalData.MaskPhone(phone) : "",
                DaysSinceBirth = n.DaysSinceBirth, EnrolBefore = ProtoValues.Date(n.EnrolBefore),
                WindowPassed = n.WindowPassed, DriveReminders = n.DriveReminders,
            }));
        return reply;
    }

    public override async Task<EnrollmentDrive> RemindUnenrolledGuardians(RemindUnenrolledGuardiansRequest request, ServerCallContext context)
    {
        var drive = await drives.RemindAsync(request.Region, request.Street, request.DaysSinceBirth, context.Caller(), context.CancellationToken);
        return new EnrollmentDrive { Round = drive.Round, Reminded = drive.Reminded, Repeated = drive.Repeated };
    }

    public override async Task<WorkingDayCalendarVersion> LoadWorkingDayCalendar(LoadWorkingDayCalendarRequest request, ServerCallContext context) =>
        ToProto(await calendars.LoadAsync(request.Document, context.Caller().Id, context.CancellationToken));

    public override async Task<ListWorkingDayCalendarsResponse> ListWorkingDayCalendars(ListWorkingDayCalendarsRequest request, ServerCallContext context)
    {
        var versions = await calendars.ListAsync(context.CancellationToken);
        var thisYear = clock.GetLocalToday().Year;
        var reply = new ListWorkingDayCalendarsResponse();
        reply.Versions.AddRange(versions.Select(ToProto));
        reply.MissingYears.AddRange(new[] { thisYear, thisYear + 1 }.Where(y => !versions.Any(v => v.Year.Year == y)));
        return reply;
    }

    private static WorkingDayCalendarVersion ToProto(CalendarVersion v)
    {
        var reply = new WorkingDayCalendarVersion
        {
            Year = v.Year.Year, Version = v.Version, InForce = v.InForce, LoadedBy = v.LoadedBy, LoadedAt = v.LoadedAt.ToString("O"),
        };
        reply.Holidays.AddRange(v.Year.Holidays.Select(ProtoValues.Date));
        reply.AdjustedWorkingDays.AddRange(v.Year.AdjustedWorkingDays.Select(ProtoValues.Date));
        return reply;
    }

    private static async IAsyncEnumerable<Domain.ContributionRow> Rows(
        IAsyncStreamReader<ContributionRecord> stream, [EnumeratorCancellation] CancellationToken ct)
    {
        var line = 0;
        await foreach (var r in stream.ReadAllAsync(ct))
            yield return new Domain.ContributionRow(++line, r.IdNumber, r.Month, r.EmployerCreditCode,
                r.PaidInFullOnTime, r.BackPayment, r.Amount);
    }

    private static Domain.InsuredKind? ToDomain(InsuredKind kind) => ProtoValues.ToDomain<Domain.InsuredKind>((int)kind);

    private static InstitutionRecord ToRecord(Institution? i)
    {
        i ??= new Institution();
        return new InstitutionRecord(i.Code, i.Name, i.Region, i.Level, i.AgreementFrom, i.AgreementTo,
            i.Qualifications.Select(q => (ProtoValues.ToDomain<Domain.QualificationKind>((int)q.Kind), q.ValidFrom, q.ValidTo)).ToList(),
            i.CrossRegionSettlement);
    }

    private static Institution ToProto(Domain.DesignatedInstitution i)
    {
        var reply = new Institution
        {
            Code = i.Code, Name = i.Name, Region = i.Region, Level = i.Level, AgreementFrom = ProtoValues.Date(i.AgreementFrom),
            AgreementTo = i.AgreementTo is { } to ? ProtoValues.Date(to) : "", CrossRegionSettlement = i.CrossRegionSettlement,
            Revision = i.Revision, UpdatedAt = i.UpdatedAt.ToString("O"),
        };
        reply.Qualifications.AddRange(i.Qualifications.Select(q => new Qualification
        {
            Kind = (QualificationKind)(int)q.Kind, ValidFrom = ProtoValues.Date(q.ValidFrom), ValidTo = q.ValidTo is { } end ? ProtoValues.Date(end) : "",
        }));
        return reply;
    }

    private static RegionPolicyVersion ToProto(RegionPolicy p) => new()
    {
        Region = p.Region, Name = p.Name, EffectiveFrom = ProtoValues.Date(p.EffectiveFrom), Version = p.Version,
    };

    private static Employer ToProto(Domain.Employer e) => new()
    {
        CreditCode = e.CreditCode.Value,
        Name = e.Name,
        CorporateAccount = new BankAccount
        {
            BankName = e.CorporateAccount.BankName,
            AccountNumber = e.CorporateAccount.AccountNumber,
            AccountName = e.CorporateAccount.AccountName,
        },
        RegisteredAt = e.RegisteredAt.ToString("O"),
    };

    private static InsuredPerson ToProto(Domain.InsuredPerson p)
    {
        var reply = new InsuredPerson
        {
            PersonId = p.PersonId.ToString(),
            IdNumber = p.IdNumber?.Value ?? "",
            Name = p.Name,
            Kind = (InsuredKind)(int)p.Kind,
            EmployerCreditCode = p.EmployerCreditCode?.Value ?? "",
            InsuredFrom = ProtoValues.Date(p.InsuredFrom),
            MobilePhone = p.MobilePhone ?? "",
            RegisteredAt = p.RegisteredAt.ToString("O"),
            BirthCertificateNumber = p.BirthCertificateNumber ?? "",
            BirthDate = ProtoValues.Date(p.BirthDate),
            Region = p.Region,
        };
        reply.History.AddRange(p.History.Select(h => new InsurancePeriod
        {
            Kind = (InsuredKind)(int)h.Kind,
            EmployerCreditCode = h.EmployerCreditCode?.Value ?? "",
            ValidFrom = ProtoValues.Date(h.ValidFrom),
            ValidTo = h.ValidTo is { } to ? ProtoValues.Date(to) : "",
            CoveredFrom = ProtoValues.Date(h.CoveredFrom),
            Reason = h.Reason,
            Region = h.Region,
        }));
        return reply;
    }
}
