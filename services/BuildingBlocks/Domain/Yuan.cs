namespace MaternityCloud.BuildingBlocks.Domain;

/// <summary>Amounts of record are decimal yuan with two places; where an exact integer is needed (a metric's sum), fen.</summary>
public static class Yuan
{
    public static long ToFen(decimal yuan) => decimal.ToInt64(decimal.Round(yuan * 100m, 0, MidpointRounding.AwayFromZero));
}
