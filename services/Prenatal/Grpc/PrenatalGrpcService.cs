using Grpc.Core;
using MaternityCloud.Contracts.Prenatal.V1;
using MaternityCloud.Prenatal.Application;
using MaternityCloud.ServiceDefaults.Grpc;
using MaternityCloud.ServiceDefaults.Security;
using Domain = MaternityCloud.Prenatal.Domain;

namespace MaternityCloud.Prenatal.Grpc;

/// <summary>Thin adapter: proto in, application handler, proto out. Refusals are mapped by the shared interceptor.</summary>
public sealed class PrenatalGrpcService(PrenatalHandlers handlers) : Contracts.Prenatal.V1.Prenatal.PrenatalBase
{
    public override async Task<Registration> RegisterPregnancy(RegisterPregnancyRequest request, ServerCallContext context) =>
        ToProto(await handlers.RegisterAsync(new RegisterPregnancy(request.IdNumber, request.Region, request.PregnancyDate,
            request.ExpectedDeliveryDate, request.FetusCount, request.HospitalCode, ToDomain(request.Channel), request.Operator),
            context.Caller(), context.CancellationToken));

    public override async Task<EnsureRegistrationResponse> EnsureRegistration(EnsureRegistrationRequest request, ServerCallContext context)
    {
        var (view, created) = await handlers.EnsureAsync(new EnsureRegistration(request.IdNumber, request.Region, request.ServiceDate,
            request.GestationalWeeks, request.FetusCount, request.HospitalCode), context.CancellationToken);
        return new EnsureRegistrationResponse { Registration = ToProto(view), Created = created };
    }

    public override async Task<Registration> ChangeHospital(ChangeHospitalRequest request, ServerCallContext context) =>
        ToProto(await handlers.ChangeHospitalAsync(
            new ChangeHospital(request.RegistrationId, request.ToHospitalCode, request.Reason, request.Operator), context.Caller(), context.CancellationToken));

    public override async Task<Registration> CorrectRegistration(CorrectRegistrationRequest request, ServerCallContext context) =>
        ToProto(await handlers.CorrectAsync(new CorrectRegistration(request.RegistrationId, request.PregnancyDate,
            request.ExpectedDeliveryDate, request.FetusCount, request.Reason, request.Operator), context.Caller(), context.CancellationToken));

    public override async Task<Registration> CancelRegistration(CancelRegistrationRequest request, ServerCallContext context) =>
        ToProto(await handlers.CancelAsync(new CancelRegistration(request.RegistrationId, request.Reason, request.Operator), context.Caller(),
            context.CancellationToken));

    public override async Task<Registration> GetRegistration(GetRegistrationRequest request, ServerCallContext context) =>
        ToProto(await handlers.GetAsync(request.RegistrationId, context.Caller(), context.CancellationToken));

    public override async Task<ListRegistrationsResponse> ListRegistrations(ListRegistrationsRequest request, ServerCallContext context)
    {
        var reply = new ListRegistrationsResponse();
        reply.Registrations.AddRange((await handlers.ListAsync(request.IdNumber, context.Caller(), context.CancellationToken))
            .Select(r => ToProto(new RegistrationView(r, []))));
        return reply;
    }

    private static Domain.RegistrationChannel? ToDomain(Channel channel) => ProtoValues.ToDomain<Domain.RegistrationChannel>((int)channel);

    private static Registration ToProto(RegistrationView view)
    {
        var r = view.Registration;
        var reply = new Registration
        {
            RegistrationId = r.RegistrationId.ToString(),
            IdNumber = r.IdNumber.Value,
            Region = r.Region,
            PregnancyDate = ProtoValues.Date(r.PregnancyDate),
            ExpectedDeliveryDate = ProtoValues.Date(r.ExpectedDeliveryDate),
            FetusCount = r.FetusCount,
            HospitalCode = r.HospitalCode,
            Channel = (Channel)(int)r.Channel,
            Operator = r.Operator,
            State = (RegistrationState)(int)r.State,
            Automatic = r.Automatic,
            RegisteredAt = r.RegisteredAt.ToString("O"),
            EndedOn = r.EndedOn is { } ended ? ProtoValues.Date(ended) : "",
            EndOutcome = r.EndOutcome ?? "",
            PrenatalQuota = ProtoValues.Money(r.PrenatalQuota),
            PregnancyId = r.PregnancyId.ToString(),
            StateVersion = r.StateVersion,
        };
        reply.Audit.AddRange(view.Audit.Select(a => new AuditEntry
        {
            Action = a.Action, Detail = a.Detail, Reason = a.Reason, Operator = a.Operator, At = a.At.ToString("O"),
        }));
        return reply;
    }
}
