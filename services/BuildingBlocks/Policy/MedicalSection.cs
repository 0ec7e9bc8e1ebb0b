using MaternityCloud.Contracts.Codes;
using System.Globalization;
using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;
using static MaternityCloud.BuildingBlocks.Policy.RegionPolicyDocument;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>Reads the "medical" and "reimbursement" sections of a region parameter file, naming every bad field.</summary>
internal static class MedicalSection
{
    public static MedicalParameters Parse(JsonElement m, Validator v)
    {
        var cap = Money(m, "prenatalCapPerPregnancy", "medical.prenatalCapPerPregnancy", v);
        var prenatalRatio = Fraction(m, "prenatalRatio", "medical.prenatalRatio", v);
        var registrationRequired = Bool(m, "prenatalRegistrationRequired", "medical.prenatalRegistrationRequired", v);
        var mode = Enum<MedicalPaymentMode>(m, "paymentMode", "medical.paymentMode", v);
        var ratio = Fraction(m, "ratio", "medical.ratio", v);
        var quotaCaps = Amounts(m, "quotaCaps", v);
        var fixedAmounts = Amounts(m, "fixedAmounts", v);
        if (mode == MedicalPaymentMode.QuotaCap && quotaCaps.Count == 0) v.Add("medical.quotaCaps", "must name at least one category when paymentMode is QuotaCap");
        if (mode == MedicalPaymentMode.FixedAmount && fixedAmounts.Count == 0) v.Add("medical.fixedAmounts", "must name at least one category when paymentMode is FixedAmount");
        var spouseShare = Fraction(m, "spouseShare", "medical.spouseShare", v);
        var rounding = Enum<RoundingMode>(m, "roundingMode", "medical.roundingMode", v);

        var crossRegion = new CrossRegionRules(true, true);
        if (!m.TryGetProperty("crossRegion", out var c) || c.ValueKind != JsonValueKind.Object)
            v.Add("medical.crossRegion", "is required");
        else
            crossRegion = new CrossRegionRules(
                Bool(c, "inProvinceDirect", "medical.crossRegion.inProvinceDirect", v),
                Bool(c, "crossProvinceRequiresFiling", "medical.crossRegion.crossProvinceRequiresFiling", v));

        return new MedicalParameters(cap, prenatalRatio, registrationRequired, mode, ratio, quotaCaps, fixedAmounts, spouseShare,
            crossRegion, rounding, Catalog(m, v));
    }

    public static ReimbursementParameters ParseReimbursement(JsonElement r, Validator v)
    {
        var items = new Dictionary<ReimbursementItem, ReimbursementItemRules>();
        if (!r.TryGetProperty("items", out var list) || list.ValueKind != JsonValueKind.Object)
        {
            v.Add("reimbursement.items", "is required: time limit and documents per item");
            return new ReimbursementParameters(items);
        }
        foreach (var item in list.EnumerateObject())
        {
            var field = $"reimbursement.items.{item.Name}";
            if (!System.Enum.TryParse<ReimbursementItem>(item.Name, ignoreCase: true, out var kind) || !System.Enum.IsDefined(kind))
            {
                v.Add(field, $"is not a reimbursement item ({string.Join(", ", System.Enum.GetNames<ReimbursementItem>())})");
                continue;
            }
            var days = Int(item.Value, "timeLimitWorkingDays", field + ".timeLimitWorkingDays", 1, 120, v);
            var documents = new List<string>();
            if (item.Value.TryGetProperty("requiredDocuments", out var d) && d.ValueKind == JsonValueKind.Array)
                documents.AddRange(d.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!.Trim()).Where(x => x.Length > 0));
            else v.Add(field + ".requiredDocuments", "must be a list of document names");
            items[kind] = new ReimbursementItemRules(days, documents);
        }
        foreach (var missing in System.Enum.GetValues<ReimbursementItem>().Where(k => !items.ContainsKey(k)))
            v.Add("reimbursement.items", $"has no rules for {missing}");
        return new ReimbursementParameters(items);
    }

    public static AllowanceParameters ParseAllowance(JsonElement a, Validator v)
    {
        var divisor = Int(a, "divisor", "allowance.divisor", 1, 31, v);
        var leave = new LeaveDays(0, 0, 0, 0, 0, 0, 0, new Dictionary<BenefitCategory, int>());
        if (!a.TryGetProperty("leaveDays", out var d) || d.ValueKind != JsonValueKind.Object)
            v.Add("allowance.leaveDays", "is required");
        else
        {
            int Days(string name, bool required = true) =>
                !required && !d.TryGetProperty(name, out _) ? 0 : Int(d, name, $"allowance.leaveDays.{name}", 0, 365, v);
            var planning = new Dictionary<BenefitCategory, int>();
            if (d.TryGetProperty("familyPlanning", out var fp) && fp.ValueKind == JsonValueKind.Object)
                foreach (var entry in fp.EnumerateObject())
                {
                    var field = $"allowance.leaveDays.familyPlanning.{entry.Name}";
                    if (!System.Enum.TryParse<BenefitCategory>(entry.Name, ignoreCase: true, out var category) || !System.Enum.IsDefined(category))
                        v.Add(field, $"is not a category ({string.Join(", ", System.Enum.GetNames<BenefitCategory>())})");
                    else planning[category] = Int(fp, entry.Name, field, 0, 365, v);
                }
            leave = new LeaveDays(Days("childbirth"), Days("dystocia"), Days("perExtraBaby"), Days("miscarriageBefore4Months"),
                Days("miscarriageFrom4Months"), Days("extended", required: false), Days("nursing", required: false), planning);
        }
        var extended = Bool(a, "fundPaysExtendedLeave", "allowance.fundPaysExtendedLeave", v);
        var nursing = Bool(a, "fundPaysNursingLeave", "allowance.fundPaysNursingLeave", v);
        WageFloor? floor = null;
        if (a.TryGetProperty("wageFloor", out var f))
        {
            if (f.ValueKind != JsonValueKind.Object) v.Add("allowance.wageFloor", "must be an object with cityAverageMonthlyWage and share");
            else floor = new WageFloor(Money(f, "cityAverageMonthlyWage", "allowance.wageFloor.cityAverageMonthlyWage", v),
                Fraction(f, "share", "allowance.wageFloor.share", v));
        }
        var rounding = Enum<RoundingMode>(a, "roundingMode", "allowance.roundingMode", v);
        var due = Int(a, "paymentDueWorkingDays", "allowance.paymentDueWorkingDays", 1, 60, v);
        return new AllowanceParameters(divisor, leave, extended, nursing, floor, rounding, due);
    }

    /// <summary>A share from 0 to 1 as text ("1.00", "0.5"): never a JSON number.</summary>
    private static decimal Fraction(JsonElement o, string name, string field, Validator v)
    {
        var text = o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1 && value.Scale <= 4)
            return value;
        v.Add(field, "must be a share from \"0\" to \"1.00\" (text, at most 4 decimals)");
        return 0;
    }

    private static Dictionary<BenefitCategory, decimal> Amounts(JsonElement m, string name, Validator v)
    {
        var amounts = new Dictionary<BenefitCategory, decimal>();
        if (!m.TryGetProperty(name, out var p)) return amounts;
        if (p.ValueKind != JsonValueKind.Object)
        {
            v.Add($"medical.{name}", "must map categories to amounts");
            return amounts;
        }
        foreach (var entry in p.EnumerateObject())
        {
            var field = $"medical.{name}.{entry.Name}";
            if (!System.Enum.TryParse<BenefitCategory>(entry.Name, ignoreCase: true, out var category) || !System.Enum.IsDefined(category))
                v.Add(field, $"is not a category ({string.Join(", ", System.Enum.GetNames<BenefitCategory>())})");
            else
                amounts[category] = Money(p, entry.Name, field, v);
        }
        return amounts;
    }

    private static ItemCatalog Catalog(JsonElement m, Validator v)
    {
        if (!m.TryGetProperty("catalog", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            v.Add("medical.catalog", "is required: the items hospitals may bill, each with code, name and coverage");
            return ItemCatalog.Empty;
        }
        var items = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
        var index = 0;
        foreach (var entry in list.EnumerateArray())
        {
            var field = $"medical.catalog[{index++}]";
            if (entry.ValueKind != JsonValueKind.Object) { v.Add(field, "must be an object"); continue; }
            var code = entry.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()!.Trim() : "";
            if (code.Length is 0 or > 30) v.Add(field + ".code", "is required (the national item code, at most 30 characters)");
            else if (items.ContainsKey(code)) v.Add(field + ".code", $"'{code}' is listed twice");
            var name = entry.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()!.Trim() : "";
            if (name.Length == 0) v.Add(field + ".name", "is required");
            var coverage = Enum<CatalogCoverage>(entry, "coverage", field + ".coverage", v);
            var visits = new List<int>();
            if (entry.TryGetProperty("visits", out var vs) && vs.ValueKind == JsonValueKind.Array)
                foreach (var visit in vs.EnumerateArray())
                {
                    if (visit.ValueKind == JsonValueKind.Number && visit.TryGetInt32(out var number) && number is >= 1 and <= 12) visits.Add(number);
                    else v.Add(field + ".visits", "must list prenatal visit numbers from 1 to 12");
                }
            var maxQuantity = entry.TryGetProperty("maxQuantity", out var q) && q.ValueKind == JsonValueKind.Number && q.TryGetDecimal(out var max) && max > 0 ? max : 1m;
            // Times per pregnancy: as given, or the number of visits the item belongs to; an optional prenatal item once.
            int? perPregnancy = entry.TryGetProperty("maxPerPregnancy", out var f) && f.ValueKind == JsonValueKind.Number && f.TryGetInt32(out var times) && times > 0
                ? times
                : coverage == CatalogCoverage.Prenatal ? Math.Max(1, visits.Count) : null;
            if (code.Length > 0) items[code] = new CatalogItem(code, name, coverage, visits, maxQuantity, perPregnancy);
        }
        return new ItemCatalog(items);
    }
}
