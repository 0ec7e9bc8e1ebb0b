using MaternityCloud.BuildingBlocks.Domain;
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
    // Money counts in fen, as integers: exact, where a floating-point sum of yuan would not be.
    private static readonly Counter<long> FundPaid = Meter.CreateCounter<long>("claims.fund_paid", "{fen}", "The fund's share of committed settlements, in fen, by medical type");
    private static readonly Counter<long> Reversed = Meter.CreateCounter<long>("claims.reversals", "{settlement}", "Settlements reversed, by medical type");
    private static readonly Counter<long> FundReversed = Meter.CreateCounter<long>("claims.fund_reversed", "{fen}", "The fund's share of reversed settlements, in fen, by medical type");

    public static void RecordSettled(string medicalType, decimal fund)
    {
        var tag = new KeyValuePair<string, object?>("medical_type", medicalType);
        Settled.Add(1, tag);
        FundPaid.Add(Yuan.ToFen(fund), tag);
    }

    public static void RecordReversed(string medicalType, decimal fund)
    {
        var tag = new KeyValuePair<string, object?>("medical_type", medicalType);
        Reversed.Add(1, tag);
        FundReversed.Add(Yuan.ToFen(fund), tag);
    }
}
