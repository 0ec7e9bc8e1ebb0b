using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using MaternityCloud.Claims.Application;
using MaternityCloud.Contracts.Claims.V1;
using MaternityCloud.ServiceDefaults.Grpc;
using Domain = MaternityCloud.Claims.Domain;

namespace MaternityCloud.Claims.Grpc;

/// <summary>Thin adapter: proto in, application handler, proto out. Refusals are mapped by the shared interceptor.</summary>
public sealed class ClaimsGrpcService(
    SettlementHandlers settlements, OperatorHandlers operators, ReimbursementCaseHandlers cases, OperationsHandlers operations)
    : Contracts.Claims.V1.Claims.ClaimsBase
{
    public override async Task<OperationsSummary> GetOperationsSummary(OperationsSummaryRequest request, ServerCallContext context)
    {
        var s = await operations.SummaryAsync(request.Date, request.NearDueDays, context.CancellationToken);
        var reply = new OperationsSummary
        {
            Date = ProtoValues.Date(s.Date), DirectSettlements = s.DirectSettlements, ReversedSettlements = s.Figures.Reversed,
            ManualCasesFiled = s.Figures.ManualCasesFiled,
            DirectSettlementRate = s.DirectSettlementRate?.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };
        SettlementTally Tally(Infrastructure.Tally t) => new()
        {
            Key = t.Key, Count = t.Count, TotalAmount = ProtoValues.Money(t.TotalAmount), FundAmount = ProtoValues.Money(t.FundAmount),
        };
        reply.ByMedicalType.AddRange(s.Figures.ByMedicalType.Select(Tally));
        reply.ByInstitution.AddRange(s.Figures.ByInstitution.Select(Tally));
        reply.OpenCasesByState.AddRange(s.Figures.OpenCases.Select(o => new CaseStateTally
        {
            State = (CaseState)(int)o.State, Count = o.Count, NearDue = o.NearDue, Overdue = o.Overdue,
        }));
        reply.CasesNearOrPastDue.AddRange(s.Figures.Urgent.Select(c => new CaseDeadline
        {
            CaseId = c.CaseId.ToString(), State = (CaseState)(int)c.State, Site = c.Site, Item = (CaseItem)(int)c.Item,
            DueDate = ProtoValues.Date(c.DueDate), DaysLeft = c.DueDate.DayNumber - s.Today.DayNumber, ClaimedAmount = ProtoValues.Money(c.ClaimedAmount),
        }));
        return reply;
    }

    public override async Task<Settlement> PreSettle(SettleRequest request, ServerCallContext context) =>
        ToProto(await settlements.PreSettleAsync(ToCommand(request), context.CancellationToken));

    public override async Task<Settlement> Settle(SettleRequest request, ServerCallContext context) =>
        ToProto(await settlements.SettleAsync(ToCommand(request), context.CancellationToken));

    public override async Task<Settlement> Reverse(ReverseRequest request, ServerCallContext context) =>
        ToProto(await settlements.ReverseAsync(request.InstitutionCode, request.SettlementId, request.Reason, context.CancellationToken));

    public override async Task<Settlement> GetSettlement(GetSettlementRequest request, ServerCallContext context) =>
        ToProto(await settlements.GetAsync(request.InstitutionCode, request.SettlementId, context.CancellationToken));

    public override async Task<ListSettlementsResponse> ListSettlements(ListSettlementsRequest request, ServerCallContext context)
    {
        var (page, next) = await settlements.ListAsync(request.InstitutionCode, request.FromDate, request.ToDate, request.IdNumber, request.PageSize,
            request.PageToken, context.CancellationToken);
        var reply = new ListSettlementsResponse { NextPageToken = next };
        reply.Settlements.AddRange(page.Select(ToProto));
        return reply;
    }

    public override async Task<ReconcileResponse> Reconcile(ReconcileRequest request, ServerCallContext context)
    {
        var r = await settlements.ReconcileAsync(request.InstitutionCode, request.Date, request.HospitalSettlementCount, request.HospitalFundAmount,
            context.CancellationToken);
        var reply = new ReconcileResponse { Total = ToProto(r.Total), Compared = r.Compared, Matched = r.Matched, Difference = ProtoValues.Money(r.Difference) };
        reply.ByMedicalType.AddRange(r.ByMedicalType.Select(ToProto));
        return reply;
    }

    public override async Task<ListAuditFlagsResponse> ListAuditFlags(ListAuditFlagsRequest request, ServerCallContext context)
    {
        var reply = new ListAuditFlagsResponse();
        reply.Flags.AddRange((await operators.ListFlagsAsync(request.State, request.InstitutionCode, request.PageSize, context.CancellationToken)).Select(ToProto));
        return reply;
    }

    public override async Task<AuditFlag> ReviewAuditFlag(ReviewAuditFlagRequest request, ServerCallContext context) =>
        ToProto(await operators.ReviewFlagAsync(request.FlagId, request.Decision, request.Reviewer, request.Note, context.CancellationToken));

    public override async Task<CrossRegionFiling> FileCrossRegion(FileCrossRegionRequest request, ServerCallContext context)
    {
        var f = await operators.FileCrossRegionAsync(request.IdNumber, request.Region, request.Destination, request.ValidFrom, request.ValidTo,
            request.FiledBy, context.CancellationToken);
        return new CrossRegionFiling
        {
            FilingId = f.FilingId.ToString(), IdNumber = f.IdNumber, Region = f.Region, Destination = f.Destination,
            ValidFrom = ProtoValues.Date(f.ValidFrom), ValidTo = ProtoValues.Date(f.ValidTo), FiledBy = f.FiledBy,
        };
    }

    public override async Task<ReimbursementCase> FileCase(FileCaseRequest request, ServerCallContext context) =>
        ToProto(await cases.FileAsync(new FileCase(ToDomain(request.Operator), request.RequestId, request.IdNumber, request.Region,
            ProtoValues.ToDomain<BuildingBlocks.Policy.ReimbursementItem>((int)request.Item),
            request.ServiceDate, request.ClaimedAmount, request.Documents, request.ApplicantPhone), context.CancellationToken));

    public override async Task<ReimbursementCase> AcceptCase(CaseActionRequest request, ServerCallContext context) =>
        ToProto(await cases.AcceptAsync(ToDomain(request.Operator), request.CaseId, request.Note, context.CancellationToken));

    public override async Task<ReimbursementCase> TransferCase(CaseActionRequest request, ServerCallContext context) =>
        ToProto(await cases.TransferAsync(ToDomain(request.Operator), request.CaseId, request.Note, context.CancellationToken));

    public override async Task<ReimbursementCase> ReviewCase(ReviewCaseRequest request, ServerCallContext context) =>
        ToProto(await cases.ReviewAsync(ToDomain(request.Operator), request.CaseId, request.Approve, request.ApprovedAmount, request.Reason,
            context.CancellationToken));

    public override async Task<ReimbursementCase> PayCase(PayCaseRequest request, ServerCallContext context) =>
        ToProto(await cases.PayAsync(ToDomain(request.Operator), request.CaseId, request.PaymentReference, context.CancellationToken));

    public override async Task<ReimbursementCase> CloseCase(CaseActionRequest request, ServerCallContext context) =>
        ToProto(await cases.CloseAsync(ToDomain(request.Operator), request.CaseId, request.Note, context.CancellationToken));

    public override async Task<ReimbursementCase> GetCase(GetCaseRequest request, ServerCallContext context) =>
        ToProto(await cases.GetAsync(ToDomain(request.Operator), request.CaseId, context.CancellationToken));

    public override async Task<ListCasesResponse> ListCases(ListCasesRequest request, ServerCallContext context)
    {
        var reply = new ListCasesResponse();
        reply.Cases.AddRange((await cases.ListAsync(ToDomain(request.Operator), ProtoValues.ToDomain<Domain.CaseState>((int)request.State),
            request.OverdueOnly, request.PageSize, context.CancellationToken)).Select(ToProto));
        return reply;
    }

    /// <summary>The request as the hospital sent it, fingerprinted: a retry must match it byte for byte to get the first result back.</summary>
    private static SettleCommand ToCommand(SettleRequest r) => new(
        r.InstitutionCode, r.RequestId, r.IdNumber, r.Region, (int)r.CertificateType, r.CertificateNumber, r.MedicalType, r.MaternityCategory,
        r.FamilyPlanningCategory, r.GestationalWeeks, r.FetusCount, r.Complication, r.Dystocia, r.ServiceDate,
        r.Lines.Select(l => (l.ItemCode, l.ItemName, l.Quantity, l.UnitPrice, l.Amount)).ToList(), r.TotalAmount, SHA256.HashData(r.ToByteArray()));

    private static Domain.CaseOperator? ToDomain(CaseOperator? o) =>
        o is null ? null : new Domain.CaseOperator(o.OperatorId, (BuildingBlocks.Domain.OperatorRole)(int)o.Role, o.Site);

    private static Settlement ToProto(SettlementRecord s)
    {
        var reply = new Settlement
        {
            SettlementId = s.State == SettlementStatus.Preview ? "" : s.SettlementId.ToString(),
            InstitutionCode = s.InstitutionCode, RequestId = s.RequestId, IdNumber = s.IdNumber, Region = s.Region, PolicyVersion = s.PolicyVersion,
            MedicalType = s.MedicalType, MaternityCategory = s.MaternityCategory ?? "", FamilyPlanningCategory = s.FamilyPlanningCategory ?? "",
            ServiceDate = ProtoValues.Date(s.ServiceDate), State = (SettlementState)(int)s.State,
            TotalAmount = ProtoValues.Money(s.Total), FundAmount = ProtoValues.Money(s.Fund), TransferredAmount = ProtoValues.Money(s.Transferred),
            IndividualAmount = ProtoValues.Money(s.Individual), RegistrationId = s.RegistrationId?.ToString() ?? "",
            PrenatalQuotaCap = s.QuotaCap is { } cap ? ProtoValues.Money(cap) : "",
            PrenatalQuotaUsedBefore = s.QuotaUsedBefore is { } before ? ProtoValues.Money(before) : "",
            PrenatalQuotaUsedAfter = s.QuotaUsedBefore is { } used ? ProtoValues.Money(used + s.QuotaConsumed) : "",
            AsFiledSpouse = s.AsFiledSpouse, SettlementScope = Domain.SettlementScopes.Code(s.Scope),
            SettledAt = s.SettledAt?.ToString("O") ?? "", ReversedAt = s.ReversedAt?.ToString("O") ?? "", ReversalReason = s.ReversalReason ?? "",
        };
        reply.Lines.AddRange(s.Lines.Select(l =>
        {
            var x = l.Split;
            var line = new LineResult
            {
                LineNo = x.Line.LineNo, ItemCode = x.Line.ItemCode, ItemName = x.Line.ItemName,
                Quantity = x.Line.Quantity.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture),
                UnitPrice = ProtoValues.Money(x.Line.UnitPrice), Amount = ProtoValues.Money(x.Line.Amount), Pool = (Pool)(int)x.Pool, Rule = x.Rule,
                FundAmount = ProtoValues.Money(x.Fund), TransferredAmount = ProtoValues.Money(x.Transferred),
                TransferredTo = x.TransferredTo is { } to ? (Pool)(int)to : Pool.Unspecified, IndividualAmount = ProtoValues.Money(x.Individual),
                Explanation = x.Explanation,
            };
            line.AuditFlags.AddRange(l.Flags);
            return line;
        }));
        return reply;
    }

    private static Contracts.Claims.V1.ReconcileTotals ToProto(Application.ReconcileTotals t) => new()
    {
        MedicalType = t.MedicalType ?? "", SettlementCount = t.SettlementCount, ReversalCount = t.ReversalCount, TotalAmount = ProtoValues.Money(t.Total),
        FundAmount = ProtoValues.Money(t.Fund), TransferredAmount = ProtoValues.Money(t.Transferred), IndividualAmount = ProtoValues.Money(t.Individual),
    };

    private static AuditFlag ToProto(AuditFlagRecord f) => new()
    {
        FlagId = f.FlagId, SettlementId = f.SettlementId.ToString(), InstitutionCode = f.InstitutionCode, LineNo = f.LineNo, ItemCode = f.ItemCode,
        Rule = f.Rule, Detail = f.Detail, State = f.State, RaisedAt = f.RaisedAt.ToString("O"), ReviewedBy = f.ReviewedBy ?? "", ReviewNote = f.ReviewNote ?? "",
    };

    private static ReimbursementCase ToProto(CaseView view)
    {
        var c = view.Case;
        var reply = new ReimbursementCase
        {
            CaseId = c.CaseId.ToString(), IdNumber = c.IdNumber.Value, Region = c.Region, Item = (CaseItem)(int)c.Item,
            ServiceDate = ProtoValues.Date(c.ServiceDate), ClaimedAmount = ProtoValues.Money(c.ClaimedAmount),
            ApprovedAmount = c.ApprovedAmount is { } a ? ProtoValues.Money(a) : "", Site = c.Site, State = (CaseState)(int)c.State,
            FiledOn = ProtoValues.Date(c.FiledOn), DueDate = ProtoValues.Date(c.Due.Date), DueDateProvisional = c.Due.Provisional,
            WorkingDaysLeft = view.WorkingDaysLeft, RejectionReason = c.RejectionReason ?? "", PaymentReference = c.PaymentReference ?? "",
            PolicyVersion = c.PolicyVersion,
        };
        reply.Documents.AddRange(c.Documents);
        reply.Transitions.AddRange(view.Transitions.Select(t => new CaseTransition
        {
            From = t.From is { } from ? (CaseState)(int)from : CaseState.Unspecified, To = (CaseState)(int)t.To, OperatorId = t.OperatorId,
            Role = (OperatorRole)(int)t.Role, Site = t.Site, At = t.At.ToString("O"), Reason = t.Reason,
        }));
        return reply;
    }
}
