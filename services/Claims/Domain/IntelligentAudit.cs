using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Claims.Domain;

/// <summary>A line the intelligent audit (智能审核) wants an operator to look at. It never refuses the settlement.</summary>
public sealed record AuditFinding(int LineNo, string ItemCode, string Rule, string Detail);

/// <summary>
/// How often the person was billed each item before this settlement: on the same day, and during the same pregnancy
/// (settlements that were reversed do not count).
/// </summary>
public sealed record BillingHistory(IReadOnlyDictionary<string, int> SameDay, IReadOnlyDictionary<string, int> SamePregnancy)
{
    public static readonly BillingHistory None = new(new Dictionary<string, int>(), new Dictionary<string, int>());
}

/// <summary>
/// The audit rules of seed 001's 智能审核 (防范过度开药、虚假诊疗): an item billed again on the same day, more often in a
/// pregnancy than the catalog allows (the prenatal catalog lists each item by visit), or in a larger quantity than a line
/// may hold.
/// </summary>
public static class IntelligentAudit
{
    public static IReadOnlyList<AuditFinding> Check(IReadOnlyList<PricedLine> lines, BillingHistory history, bool pregnancyKnown)
    {
        var findings = new List<AuditFinding>();
        var inThisSettlement = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, item) in lines)
        {
            var earlierHere = inThisSettlement.GetValueOrDefault(item.Code);
            inThisSettlement[item.Code] = earlierHere + 1;

            if (line.Quantity > item.MaxQuantity)
                findings.Add(new AuditFinding(line.LineNo, item.Code, "quantity-exceeded",
                    $"{item.Name}: quantity {line.Quantity:0.####} on one line, the catalog allows {item.MaxQuantity:0.####}"));

            var sameDay = history.SameDay.GetValueOrDefault(item.Code) + earlierHere;
            if (sameDay > 0)
                findings.Add(new AuditFinding(line.LineNo, item.Code, "repeat-same-day",
                    $"{item.Name} was already billed {sameDay} time(s) to this person on the same day"));

            if (pregnancyKnown && item.MaxPerPregnancy is { } max)
            {
                var times = history.SamePregnancy.GetValueOrDefault(item.Code) + earlierHere + 1;
                if (times > max)
                    findings.Add(new AuditFinding(line.LineNo, item.Code, "frequency-exceeded",
                        $"{item.Name} billed {times} times in this pregnancy; the catalog allows {max}" +
                        (item.Visits.Count > 0 ? $" (visits {string.Join(", ", item.Visits)})" : "")));
            }
        }
        return findings;
    }
}
