using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Application;
using MaternityCloud.ServiceDefaults.Security;
using Receipt = MaternityCloud.Enrollment.Application.DepartmentReceipt;

namespace MaternityCloud.Enrollment.Grpc;

/// <summary>Thin adapter for the departments' exchange: proto in, <see cref="DepartmentExchangeHandlers"/>, receipt out.</summary>
public sealed class DepartmentExchangeGrpcService(DepartmentExchangeHandlers handlers) : DepartmentExchange.DepartmentExchangeBase
{
    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordMarriage(MarriageRegistration r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordMarriageDissolution(MarriageDissolution r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordBirthCertificate(BirthCertificate r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordEmployment(EmploymentRecord r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordUnemployment(UnemploymentRecord r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordRetirement(RetirementRecord r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordDeath(DeathRecord r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordImprisonment(ImprisonmentRecord r, ServerCallContext context) =>
        RecordAsync(ToCommand(r), context);

    public override async Task<DepartmentBatchResult> RecordBatch(IAsyncStreamReader<DepartmentRecord> requestStream, ServerCallContext context)
    {
        var department = context.Caller();
        var result = new DepartmentBatchResult();
        await foreach (var record in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var position = ++result.Received;
            var command = ToCommand(record);
            // Each record is its own change with its own audit entry, about its own person.
            AuditedCall.Current = new AuditedCall(department, "RecordBatch", AuditKind.Change, "-", command?.RecordId);
            try
            {
                if (command is null) throw new ValidationFailedException([new FieldViolation("record", "give one record")]);
                var receipt = await handlers.RecordAsync(command, department, context.CancellationToken);
                if (receipt.Repeated) result.Repeated++;
                else result.Applied++;
            }
            catch (ValidationFailedException e)
            {
                result.Rejected.AddRange(e.Violations.Select(v => Rejected(position, command, v.Field, v.Reason)));
            }
            catch (DomainException e) when (e is AlreadyExistsException or RuleViolationException or PermissionDeniedException or NotFoundException)
            {
                result.Rejected.Add(Rejected(position, command, e is PermissionDeniedException ? "record" : "record_id", e.Message));
            }
        }
        return result;
    }

    private async Task<Contracts.Enrollment.V1.DepartmentReceipt> RecordAsync(DepartmentRecordCommand command, ServerCallContext context) =>
        ToProto(await handlers.RecordAsync(command, context.Caller(), context.CancellationToken));

    private static RejectedRecord Rejected(int position, DepartmentRecordCommand? command, string field, string reason) =>
        new() { Position = position, RecordId = command?.RecordId ?? "", Field = field, Reason = reason };

    private static Contracts.Enrollment.V1.DepartmentReceipt ToProto(Receipt r)
    {
        var reply = new Contracts.Enrollment.V1.DepartmentReceipt
        {
            RecordId = r.RecordId, Kind = r.Kind, ReceivedAt = r.ReceivedAt.ToString("O"), Repeated = r.Repeated,
        };
        reply.Effects.AddRange(r.Effects);
        return reply;
    }

    private static DepartmentRecordCommand? ToCommand(DepartmentRecord r) => r.RecordCase switch
    {
        DepartmentRecord.RecordOneofCase.Marriage => ToCommand(r.Marriage),
        DepartmentRecord.RecordOneofCase.MarriageDissolution => ToCommand(r.MarriageDissolution),
        DepartmentRecord.RecordOneofCase.BirthCertificate => ToCommand(r.BirthCertificate),
        DepartmentRecord.RecordOneofCase.Employment => ToCommand(r.Employment),
        DepartmentRecord.RecordOneofCase.Unemployment => ToCommand(r.Unemployment),
        DepartmentRecord.RecordOneofCase.Retirement => ToCommand(r.Retirement),
        DepartmentRecord.RecordOneofCase.Death => ToCommand(r.Death),
        DepartmentRecord.RecordOneofCase.Imprisonment => ToCommand(r.Imprisonment),
        _ => null,
    };

    private static DepartmentRecordCommand ToCommand(MarriageRegistration r) =>
        new RecordMarriage(r.RecordId, r.CertificateNumber, r.HusbandIdNumber, r.WifeIdNumber, r.RegisteredOn);

    private static DepartmentRecordCommand ToCommand(MarriageDissolution r) => new RecordMarriageDissolution(r.RecordId, r.CertificateNumber, r.DissolvedOn);

    private static DepartmentRecordCommand ToCommand(BirthCertificate r) =>
        new RecordBirthCertificate(r.RecordId, r.CertificateNumber, r.BirthDate, r.NewbornName, r.MotherIdNumber, r.GuardianIdNumber,
            r.GuardianName, r.GuardianMobilePhone, r.Region, r.Street);

    private static DepartmentRecordCommand ToCommand(EmploymentRecord r) =>
        new RecordEmployment(r.RecordId, r.IdNumber, r.EmployerCreditCode, r.EmployedFrom, r.EmployedTo);

    private static DepartmentRecordCommand ToCommand(UnemploymentRecord r) =>
        new RecordUnemployment(r.RecordId, r.IdNumber, r.RegisteredOn, r.BenefitFrom, r.BenefitTo);

    private static DepartmentRecordCommand ToCommand(RetirementRecord r) => new RecordRetirement(r.RecordId, r.IdNumber, r.RetiredOn);

    private static DepartmentRecordCommand ToCommand(DeathRecord r) => new RecordDeath(r.RecordId, r.IdNumber, r.DiedOn);

    private static DepartmentRecordCommand ToCommand(ImprisonmentRecord r) => new RecordImprisonment(r.RecordId, r.IdNumber, r.ImprisonedFrom, r.ImprisonedTo);
}
