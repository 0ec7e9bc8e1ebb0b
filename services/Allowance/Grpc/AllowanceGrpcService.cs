using Grpc.Core;
using MaternityCloud.Allowance.Application;
using MaternityCloud.Contracts.Allowance.V1;
using MaternityCloud.ServiceDefaults.Grpc;
using MaternityCloud.ServiceDefaults.Security;
using Domain = MaternityCloud.Allowance.Domain;
using Infrastructure = MaternityCloud.Allowance.Infrastructure;

namespace MaternityCloud.Allowance.Grpc;

/// <summary>Thin adapter: proto in, application handler, proto out. Refusals are mapped by the shared interceptor.</summary>
public sealed class AllowanceGrpcService(AllowanceHandlers cases, PaymentHandlers payments, OperationsHandlers operations)
    : Contracts.Allowance.V1.Allowance.AllowanceBase
{
    public override async Task<OperationsSummary> GetOperationsSummary(OperationsSummaryRequest request, ServerCallContext context)
    {
        var (figures, daysToPay, today) = await operations.SummaryAsync(request.WindowDays, context.CancellationToken);
        var reply = new OperationsSummary
        {
            OverdueForPayment = figures.OverdueForPayment, ProvisionalDueDates = figures.ProvisionalDueDates, PaidInWindow = daysToPay.Cases,
            DaysToPayAverage = daysToPay.Average?.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) ?? "",
            DaysToPayP50 = daysToPay.Median, DaysToPayMax = daysToPay.Max,
        };
        reply.CasesByState.AddRange(figures.ByState.Select(s => new CaseStateTally { State = (CaseState)(int)s.State, Count = s.Count, Amount = ProtoValues.Money(s.Amount) }));
        reply.AwaitingApproval.AddRange(figures.Awaiting.Select(a => new AwaitingApproval
        {
            CaseId = a.CaseId.ToString(), IdNumber = a.IdNumber.Masked, EventKind = (EventKind)(int)a.EventKind, EventDate = ProtoValues.Date(a.EventDate),
            OpenedAt = a.OpenedAt.ToString("O"), DaysWaiting = today.DayNumber - BuildingBlocks.Domain.Calendar.DateInChina(a.OpenedAt).DayNumber,
            Findings = { a.Findings },
        }));
        return reply;
    }

    public override async Task<AllowanceCase> ApplyForAllowance(ApplyForAllowanceRequest r, ServerCallContext context) =>
        ToProto(await cases.ApplyAsync(new ApplyForAllowance(ProtoValues.ToDomain<Domain.Channel>((int)r.Channel), r.RequestId, r.IdNumber, r.Region,
            ProtoValues.ToDomain<Contracts.Codes.AllowanceEventKind>((int)r.EventKind), r.EventDate, r.FetusCount, r.Dystocia, r.GestationalWeeks,
            r.FamilyPlanningCategory, r.Applicant), context.Caller(), context.CancellationToken));

    public override async Task<AllowanceCase> GetCase(GetCaseRequest request, ServerCallContext context) =>
        ToProto(await cases.GetAsync(request.CaseId, context.CancellationToken));

    public override async Task<ListCasesResponse> ListCases(ListCasesRequest request, ServerCallContext context)
    {
        var reply = new ListCasesResponse();
        reply.Cases.AddRange((await cases.ListAsync(request.EmployerCreditCode, ProtoValues.ToDomain<Domain.CaseState>((int)request.State),
            request.DueBefore, request.PageSize, context.CancellationToken)).Select(c => ToProto(new CaseView(c, []))));
        return reply;
    }

    public override async Task<AllowanceCase> ApproveCase(CaseDecisionRequest request, ServerCallContext context) =>
        ToProto(await cases.ApproveAsync(request.CaseId, request.Operator, context.CancellationToken));

    public override async Task<AllowanceCase> RefuseCase(CaseDecisionRequest request, ServerCallContext context) =>
        ToProto(await cases.RefuseAsync(request.CaseId, request.Operator, request.Reason, context.CancellationToken));

    public override async Task<PaymentBatch> RunPaymentBatch(RunPaymentBatchRequest request, ServerCallContext context) =>
        ToProto(await payments.RunBatchAsync(request.Operator, context.CancellationToken));

    public override async Task<PaymentBatch> RecordPaymentResults(RecordPaymentResultsRequest request, ServerCallContext context) =>
        ToProto(await payments.RecordResultsAsync(request.BatchId,
            request.Results.Select(r => new Application.PaymentResult(r.LineNo, r.Paid, r.Reason, r.BankReference)).ToList(), context.CancellationToken));

    public override async Task<PaymentBatch> GetPaymentBatch(GetPaymentBatchRequest request, ServerCallContext context) =>
        ToProto(await payments.GetBatchAsync(request.BatchId, context.CancellationToken));

    private static AllowanceCase ToProto(CaseView view)
    {
        var c = view.Case;
        var reply = new AllowanceCase
        {
            CaseId = c.CaseId.ToString(), IdNumber = c.IdNumber.Value, Region = c.Region, PolicyVersion = c.PolicyVersion,
            EventKind = (EventKind)(int)c.Event.Kind, EventDate = ProtoValues.Date(c.Event.Date), FetusCount = c.Event.FetusCount,
            Dystocia = c.Event.Dystocia, GestationalWeeks = c.Event.GestationalWeeks, EmployerCreditCode = c.EmployerCreditCode ?? "",
            State = (CaseState)(int)c.State, ApprovedOn = c.ApprovedOn is { } a ? ProtoValues.Date(a) : "", DueDate = c.DueDate is { } d ? ProtoValues.Date(d) : "",
            SettlementId = c.SettlementId?.ToString() ?? "", BatchId = c.BatchId?.ToString() ?? "", ReversalPending = c.ReversalPending,
            FactsVerifiedBy = c.FactsVerifiedBy ?? "",
        };
        if (c.Computation is { } x)
        {
            reply.Computation = new Computation
            {
                Days = x.Days, WageYear = x.WageYear, EmployerAverageWage = ProtoValues.Money(x.EmployerAverageWage),
                WageFloor = x.WageFloor is { } f ? ProtoValues.Money(f) : "", BaseWage = ProtoValues.Money(x.BaseWage), Divisor = x.Divisor,
                DailyAmount = ProtoValues.Money(x.DailyAmount), Amount = ProtoValues.Money(x.Amount),
            };
            reply.Computation.DayLines.AddRange(x.DayLines.Select(l => new DayLine { Item = l.Item, Days = l.Days, Parameter = l.Parameter }));
            reply.Computation.Explanation.AddRange(x.Explain());
        }
        reply.Findings.AddRange(c.Findings.Select(f => new Finding { Code = f.Code, Message = f.Message }));
        reply.Reports.AddRange(view.Reports.Select(r => new Report { Channel = (Channel)(int)r.Channel, Reference = r.Reference, ReportedAt = r.ReportedAt.ToString("O") }));
        return reply;
    }

    private static PaymentBatch ToProto(Infrastructure.PaymentBatch b)
    {
        var reply = new PaymentBatch
        {
            BatchId = b.BatchId.ToString(), BatchDate = ProtoValues.Date(b.BatchDate), LineCount = b.LineCount, CaseCount = b.CaseCount,
            TotalAmount = ProtoValues.Money(b.TotalAmount), PaidAmount = ProtoValues.Money(b.PaidAmount), FailedAmount = ProtoValues.Money(b.FailedAmount),
            State = b.State, File = b.File,
        };
        reply.Lines.AddRange(b.Lines.Select(l =>
        {
            var line = new PaymentLine
            {
                LineNo = l.LineNo, EmployerCreditCode = l.EmployerCreditCode, AccountName = l.AccountName, BankName = l.BankName,
                AccountNumber = l.AccountNumber, Amount = ProtoValues.Money(l.Amount), Outcome = l.Outcome ?? "", Reason = l.Reason ?? "",
                BankReference = l.BankReference ?? "",
            };
            line.CaseIds.AddRange(l.CaseIds.Select(id => id.ToString()));
            return line;
        }));
        return reply;
    }
}
