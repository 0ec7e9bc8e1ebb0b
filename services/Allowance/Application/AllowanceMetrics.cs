using MaternityCloud.BuildingBlocks.Domain;
using System.Diagnostics.Metrics;

namespace MaternityCloud.Allowance.Application;

/// <summary>
/// How long mothers' employers wait, as OpenTelemetry metrics (meter MaternityCloud.Allowance), recorded once the
/// change is committed: days from the childbirth (or other event) to the case's approval and to its payment, and the
/// yuan paid.
/// </summary>
public static class AllowanceMetrics
{
    public static readonly Meter Meter = new("MaternityCloud.Allowance");
    private static readonly Histogram<double> DaysToApproval = Meter.CreateHistogram<double>("allowance.case.days_to_approval", "d",
        "Days from the event to the case's approval, by event kind");
    private static readonly Histogram<double> DaysToPay = Meter.CreateHistogram<double>("allowance.case.days_to_pay", "d",
        "Days from the event to the payment, by event kind");
    // In fen, as integers: exact, where a floating-point sum of yuan would not be.
    private static readonly Counter<long> Paid = Meter.CreateCounter<long>("allowance.paid", "{fen}", "Allowance paid to employers, in fen");

    public static void RecordApproved(string eventKind, DateOnly eventDate, DateOnly approvedOn) =>
        DaysToApproval.Record(approvedOn.DayNumber - eventDate.DayNumber, new KeyValuePair<string, object?>("event_kind", eventKind));

    public static void RecordPaid(string eventKind, DateOnly eventDate, DateOnly paidOn, decimal amount)
    {
        DaysToPay.Record(paidOn.DayNumber - eventDate.DayNumber, new KeyValuePair<string, object?>("event_kind", eventKind));
        Paid.Add(Yuan.ToFen(amount));
    }
}
