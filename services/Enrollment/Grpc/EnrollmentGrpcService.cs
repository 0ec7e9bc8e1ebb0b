using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Application;
using Domain = MaternityCloud.Enrollment.Domain;

namespace MaternityCloud.Enrollment.Grpc;

/// <summary>Thin adapter: proto in, application handler, proto out. Refusals are mapped by the shared interceptor.</summary>
public sealed class EnrollmentGrpcService(EnrollmentHandlers handlers) : Contracts.Enrollment.V1.Enrollment.EnrollmentBase
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

    public override async Task<InsuredPerson> RegisterInsuredPerson(RegisterInsuredPersonRequest request, ServerCallContext context)
    {
        var person = await handlers.RegisterInsuredPersonAsync(
            new RegisterInsuredPerson(request.IdNumber, request.Name, ToDomain(request.Kind), request.EmployerCreditCode,
                request.InsuredFrom, request.MobilePhone),
            context.CancellationToken);
        return ToProto(person);
    }

    public override async Task<InsuredPerson> GetInsuredPerson(GetInsuredPersonRequest request, ServerCallContext context)
    {
        var key = request.KeyCase switch
        {
            GetInsuredPersonRequest.KeyOneofCase.PersonId => new InsuredPersonKey(request.PersonId, null),
            GetInsuredPersonRequest.KeyOneofCase.IdNumber => new InsuredPersonKey(null, request.IdNumber),
            _ => new InsuredPersonKey(null, null),
        };
        return ToProto(await handlers.GetInsuredPersonAsync(key, context.CancellationToken));
    }

    // Unknown numbers (a newer client's kind) and UNSPECIFIED are both "no valid kind given".
    private static Domain.InsuredKind? ToDomain(InsuredKind kind) =>
        kind != InsuredKind.Unspecified && Enum.IsDefined((Domain.InsuredKind)(int)kind) ? (Domain.InsuredKind)(int)kind : null;

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

    private static InsuredPerson ToProto(Domain.InsuredPerson p) => new()
    {
        PersonId = p.PersonId.ToString(),
        IdNumber = p.IdNumber.Value,
        Name = p.Name,
        Kind = (InsuredKind)(int)p.Kind,
        EmployerCreditCode = p.EmployerCreditCode?.Value ?? "",
        InsuredFrom = p.InsuredFrom.ToString("yyyy-MM-dd"),
        MobilePhone = p.MobilePhone ?? "",
        RegisteredAt = p.RegisteredAt.ToString("O"),
    };
}
