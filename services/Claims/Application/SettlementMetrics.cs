using System.Diagnostics.Metrics;

namespace MaternityCloud.Claims.Application;

/// <summary>
/// The fund's figures as OpenTelemetry metrics (meter MaternityCloud.Claims), counted once a settlement or reversal is
/// committed: they chart in the Aspire dashboard and in any OTLP backend. A hospital's retry that finds its earlier
/// settlement counts nothing.
/// </summary>
public static class SettlementMetrics
{
    public static readonly Meter Meter = new("MaternityCloud.Claims");
    private static readonly Counter<long> Settled = Meter.CreateCounter<long>("claims.settlements", "{settlement}", "Settlements committed, by medical type");
    private static readonly Counter<double> FundPaid = Meter.CreateCounter<double>("claims.fund_paid", "CNY", "The fund's share of committed settlements, in yuan, by medical type");
    private static readonly Counter<long> Reversed = Meter.CreateCounter<long>("claims.reversals", "{settlement}", "Settlements reversed, by medical type");
    private static readonly Counter<double> FundReversed = Meter.CreateCounter<double>("claims.fund_reversed", "CNY", "The fund's share of reversed settlements, in yuan, by medical type");

    public static void RecordSettled(string medicalType, decimal fund)
    {
        var tag = new KeyValuePair<string, object?>("medical_type", medicalType);
        Settled.Add(1, tag);
        FundPaid.Add((double)fund, tag);
    }

    public static void RecordReversed(string medicalType, decimal fund)
    {
        var tag = new KeyValuePair<string, object?>("medical_type", medicalType);
        Reversed.Add(1, tag);
        FundReversed.Add((double)fund, tag);
    }
}
