using System.Globalization;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Codes;

namespace MaternityCloud.Claims.Domain;

/// <summary>Where costs of a visit outside the maternity rules go: the ordinary pool of the same setting.</summary>
public static class VisitPools
{
    public static Pool OrdinaryPool(this ClassifiedVisit visit) => visit.Inpatient ? Pool.GeneralInpatient : Pool.GeneralOutpatient;
}

/// <summary>A fee line as the hospital sent it (费用明细).</summary>
public sealed record FeeLine(int LineNo, string ItemCode, string ItemName, decimal Quantity, decimal UnitPrice, decimal Amount);

/// <summary>A fee line with the catalog item it bills.</summary>
public sealed record PricedLine(FeeLine Line, CatalogItem Item);

public static class FeeLines
{
    /// <summary>
    /// Checks every line's arithmetic: quantity above 0, prices to the fen, amount = quantity × unit price (to the fen),
    /// and the lines adding up to the stated total. Which items the lines bill is checked against the catalog of the
    /// person's region by <see cref="Price"/>, once the region is known.
    /// </summary>
    public static IReadOnlyList<FeeLine> Read(Validator v,
        IReadOnlyList<(string ItemCode, string ItemName, string Quantity, string UnitPrice, string Amount)> lines, string totalText)
    {
        if (lines.Count == 0) v.Add("lines", "at least one fee line is required");
        if (lines.Count > 500) v.Add("lines", "at most 500 fee lines per settlement");
        var read = new List<FeeLine>();
        for (var i = 0; i < lines.Count && i < 500; i++)
        {
            var (code, name, quantityText, priceText, amountText) = lines[i];
            var field = $"lines[{i}]";
            var itemCode = (code ?? "").Trim();
            v.Check(itemCode.Length > 0, field + ".item_code", "is required");
            var quantity = Quantity(v, field + ".quantity", quantityText);
            var price = v.Money(field + ".unit_price", priceText);
            var amount = v.Money(field + ".amount", amountText);
            if (!v.HasErrorFor(field + ".quantity") && !v.HasErrorFor(field + ".unit_price") && !v.HasErrorFor(field + ".amount")
                && decimal.Round(quantity * price, 2, MidpointRounding.AwayFromZero) != amount)
                v.Add(field + ".amount", $"must equal quantity × unit_price = {decimal.Round(quantity * price, 2, MidpointRounding.AwayFromZero):0.00}");
            read.Add(new FeeLine(i + 1, itemCode, (name ?? "").Trim(), quantity, price, amount));
        }
        var total = v.Money("total_amount", totalText);
        if (!v.Violations.Any(x => x.Field.StartsWith("lines", StringComparison.Ordinal)) && !v.HasErrorFor("total_amount"))
        {
            var sum = read.Sum(l => l.Amount);
            v.Check(sum == total, "total_amount", $"must equal the sum of the lines' amounts ({sum:0.00})");
        }
        return read;
    }

    /// <summary>Each line with the catalog item it bills; a code the region's catalog does not have is named.</summary>
    public static IReadOnlyList<PricedLine> Price(Validator v, ItemCatalog catalog, string policyVersion, IReadOnlyList<FeeLine> lines)
    {
        var priced = new List<PricedLine>();
        foreach (var line in lines)
        {
            if (catalog.Find(line.ItemCode) is not { } item)
            {
                v.Add($"lines[{line.LineNo - 1}].item_code", $"'{line.ItemCode}' is not in the region's catalog ({policyVersion})");
                continue;
            }
            priced.Add(new PricedLine(line with { ItemCode = item.Code, ItemName = line.ItemName.Length == 0 ? item.Name : line.ItemName }, item));
        }
        return priced;
    }

    private static decimal Quantity(Validator v, string field, string? text)
    {
        if (!decimal.TryParse((text ?? "").Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q))
        {
            v.Add(field, "must be a number such as \"1\" or \"0.5\"");
            return 0;
        }
        if (q <= 0) v.Add(field, "must be more than 0");
        else if (q != decimal.Round(q, 4)) v.Add(field, "must have at most 4 decimals");
        else if (q > 10_000) v.Add(field, "is too large");
        return q;
    }
}
