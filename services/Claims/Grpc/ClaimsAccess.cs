using MaternityCloud.ServiceDefaults.Security;
using static MaternityCloud.BuildingBlocks.Domain.AuditKind;
using static MaternityCloud.ServiceDefaults.Security.Callers;

namespace MaternityCloud.Claims.Grpc;

/// <summary>Who may call each Claims method. Case methods also check role and site per case (ReimbursementCase).</summary>
public static class ClaimsAccess
{
    public static readonly MethodAccessTable Rules = new(Contracts.Claims.V1.Claims.Descriptor.FullName)
    {
        ["PreSettle"] = new(Institution, Read),
        ["Settle"] = new(Institution, Change),
        ["Reverse"] = new(Institution, Change),
        ["GetSettlement"] = new(Institution | FundCentre, Read),
        ["ListSettlements"] = new(Institution | FundCentre, Read),
        ["Reconcile"] = new(Institution | FundCentre),
        ["ListAuditFlags"] = new(FundCentre, Read),
        ["ReviewAuditFlag"] = new(FundCentre, Change),
        ["FileCrossRegion"] = new(Clerks | Administrator, Change),
        ["FileCase"] = new(Operators, Change),
        ["AcceptCase"] = new(Operators, Change),
        ["TransferCase"] = new(Operators, Change),
        ["ReviewCase"] = new(Operators, Change),
        ["PayCase"] = new(Operators, Change),
        ["CloseCase"] = new(Operators, Change),
        ["GetCase"] = new(Operators, Read),
        ["ListCases"] = new(Operators, Read),
        ["GetOperationsSummary"] = new MethodAccess(FundCentre).AndServices(PlatformServices.Operations),
    };
}
