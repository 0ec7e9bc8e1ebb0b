using MaternityCloud.ServiceDefaults.Security;
using static MaternityCloud.BuildingBlocks.Domain.AuditKind;
using static MaternityCloud.ServiceDefaults.Security.Callers;

namespace MaternityCloud.Allowance.Grpc;

/// <summary>Who may call each Allowance method: hospitals and clerks apply, the fund centre decides and pays.</summary>
public static class AllowanceAccess
{
    public static readonly MethodAccessTable Rules = new(Contracts.Allowance.V1.Allowance.Descriptor.FullName)
    {
        ["ApplyForAllowance"] = new(Institution | Clerks | Administrator, Change),
        ["GetCase"] = new(Operators, Read),
        ["ListCases"] = new(Operators, Read),
        ["ApproveCase"] = new(FundCentre, Change),
        ["RefuseCase"] = new(FundCentre, Change),
        ["RunPaymentBatch"] = new(FundCentre, Change),
        ["RecordPaymentResults"] = new(FundCentre, Change),
        ["GetPaymentBatch"] = new(FundCentre),
        ["GetOperationsSummary"] = new MethodAccess(FundCentre).AndServices(PlatformServices.Operations),
    };
}
