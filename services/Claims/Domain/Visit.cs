using System.Globalization;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;

namespace MaternityCloud.Claims.Domain;

/// <summary>What a visit is for the maternity rules.</summary>
public enum VisitKind
{
    /// <summary>产前检查: med_type 51 with matn_type 7, settled through the prenatal channel.</summary>
    PrenatalCheck,
    /// <summary>Childbirth or pregnancy end (分娩, 流产, 引产): med_type 51 or 52.</summary>
    Maternity,
    /// <summary>Family-planning surgery (计划生育): med_type 5301 or 5302.</summary>
    FamilyPlanning,
}

/// <summary>A visit in the national platform's codes, classified once so every rule reads the same facts.</summary>
public sealed record Visit(
    string MedicalType,
    string? MaternityCategory,
    string? FamilyPlanningCategory,
    VisitKind Kind,
    BenefitCategory? Category,
    bool Inpatient,
    bool Complication)
{
    /// <summary>Where costs outside the maternity rules go: the ordinary pool of the same setting.</summary>
    public Pool OrdinaryPool => Inpatient ? Pool.GeneralInpatient : Pool.GeneralOutpatient;

    /// <summary>
    /// Reads med_type (51, 52, 5301, 5302), matn_type (1–7, 9) and birctrl_type (1–9) and names the field that is wrong.
    /// A prenatal check (matn_type 7) is outpatient only.
    /// </summary>
    public static Visit? Classify(Validator v, string? medicalType, string? maternityCategory, string? familyPlanningCategory, bool complication)
    {
        var type = (medicalType ?? "").Trim();
        var matn = Blank((maternityCategory ?? "").Trim());
        var birctrl = Blank((familyPlanningCategory ?? "").Trim());
        switch (type)
        {
            case "51" or "52":
                if (matn is null || !MaternityCategories.TryGetValue(matn, out var category))
                {
                    v.Add("maternity_category", "is required for medical types 51 and 52: matn_type 1-7 or 9");
                    return null;
                }
                if (matn == PrenatalCheckCode && type == "52")
                {
                    v.Add("maternity_category", "7 (prenatal check) is an outpatient visit: medical_type 51");
                    return null;
                }
                return matn == PrenatalCheckCode
                    ? new Visit(type, matn, null, VisitKind.PrenatalCheck, null, false, complication)
                    : new Visit(type, matn, null, VisitKind.Maternity, category, type == "52", complication);
            case "5301" or "5302":
                if (birctrl is null || !FamilyPlanningCategories.TryGetValue(birctrl, out var planning))
                {
                    v.Add("family_planning_category", "is required for medical types 5301 and 5302: birctrl_type 1-9");
                    return null;
                }
                return new Visit(type, null, birctrl, VisitKind.FamilyPlanning, planning, type == "5302", complication);
            default:
                v.Add("medical_type", "must be 51 (maternity outpatient), 52 (maternity inpatient), 5301 or 5302 (family planning)");
                return null;
        }
    }

    private const string PrenatalCheckCode = "7";

    private static string? Blank(string s) => s.Length == 0 ? null : s;

    private static readonly Dictionary<string, BenefitCategory> MaternityCategories = new()
    {
        ["1"] = BenefitCategory.NormalDelivery, ["2"] = BenefitCategory.AssistedDelivery, ["3"] = BenefitCategory.Caesarean,
        ["4"] = BenefitCategory.Dystocia, ["5"] = BenefitCategory.Miscarriage, ["6"] = BenefitCategory.InducedLabour,
        ["7"] = BenefitCategory.OtherMaternity, ["9"] = BenefitCategory.OtherMaternity,
    };

    private static readonly Dictionary<string, BenefitCategory> FamilyPlanningCategories = new()
    {
        ["1"] = BenefitCategory.IudInsertion, ["2"] = BenefitCategory.IudRemoval, ["3"] = BenefitCategory.Abortion,
        ["4"] = BenefitCategory.FamilyPlanningInducedLabour, ["5"] = BenefitCategory.Sterilisation,
        ["6"] = BenefitCategory.SterilisationReversal, ["7"] = BenefitCategory.Vasectomy, ["8"] = BenefitCategory.VasectomyReversal,
        ["9"] = BenefitCategory.OtherFamilyPlanning,
    };
}

/// <summary>A fee line as the hospital sent it (费用明细).</summary>
public sealed record FeeLine(int LineNo, string ItemCode, string ItemName, decimal Quantity, decimal UnitPrice, decimal Amount);

/// <summary>A fee line with the catalog item it bills.</summary>
public sealed record PricedLine(FeeLine Line, CatalogItem Item);

public static class FeeLines
{
    /// <summary>
    /// Checks every line against the region's catalog and arithmetic: a known item code, quantity above 0, prices to the
    /// fen, amount = quantity × unit price (to the fen), and the lines adding up to the stated total.
    /// </summary>
    public static IReadOnlyList<PricedLine> Read(Validator v, ItemCatalog catalog, string policyVersion,
        IReadOnlyList<(string ItemCode, string ItemName, string Quantity, string UnitPrice, string Amount)> lines, string totalText)
    {
        if (lines.Count == 0) v.Add("lines", "at least one fee line is required");
        if (lines.Count > 500) v.Add("lines", "at most 500 fee lines per settlement");
        var priced = new List<PricedLine>();
        for (var i = 0; i < lines.Count && i < 500; i++)
        {
            var (code, name, quantityText, priceText, amountText) = lines[i];
            var field = $"lines[{i}]";
            var item = catalog.Find((code ?? "").Trim());
            if (item is null) v.Add(field + ".item_code", $"'{code}' is not in the region's catalog ({policyVersion})");
            var quantity = Quantity(v, field + ".quantity", quantityText);
            var price = v.Money(field + ".unit_price", priceText);
            var amount = v.Money(field + ".amount", amountText);
            if (!v.HasErrorFor(field + ".quantity") && !v.HasErrorFor(field + ".unit_price") && !v.HasErrorFor(field + ".amount")
                && decimal.Round(quantity * price, 2, MidpointRounding.AwayFromZero) != amount)
                v.Add(field + ".amount", $"must equal quantity × unit_price = {decimal.Round(quantity * price, 2, MidpointRounding.AwayFromZero):0.00}");
            if (item is not null)
                priced.Add(new PricedLine(new FeeLine(i + 1, item.Code, string.IsNullOrWhiteSpace(name) ? item.Name : name.Trim(), quantity, price, amount), item));
        }
        var total = v.Money("total_amount", totalText);
        if (!v.Violations.Any(x => x.Field.StartsWith("lines", StringComparison.Ordinal)) && !v.HasErrorFor("total_amount"))
        {
            var sum = priced.Sum(p => p.Line.Amount);
            v.Check(sum == total, "total_amount", $"must equal the sum of the lines' amounts ({sum:0.00})");
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
