using System.Globalization;
using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.BuildingBlocks.Policy;

/// <summary>Reads a region parameter file (JSON) and says which field is wrong and why, all at once.</summary>
public static class RegionPolicyDocument
{
    public static readonly IReadOnlySet<string> KnownKinds =
        new HashSet<string>(["Employee", "Resident", "FlexibleWorker", "Retiree", "UnemploymentBenefitRecipient"]);

    /// <summary>Parses a document. <paramref name="versionId"/> is the stored version's id (0 before it is stored).</summary>
    public static RegionPolicy Parse(string json, long versionId = 0)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException invalid)
        {
            throw new ValidationFailedException([new FieldViolation("document", $"is not valid JSON: {invalid.Message}")]);
        }

        var root = document.RootElement.Clone();
        var v = new Validator();
        if (root.ValueKind != JsonValueKind.Object)
            throw new ValidationFailedException([new FieldViolation("document", "must be a JSON object")]);

        var region = Text(root, "region", v);
        if (region is not null && (region.Length != 6 || !region.All(char.IsAsciiDigit)))
            v.Add("region", "must be a 6-digit administrative division code (GB/T 2260)");
        var name = Text(root, "name", v) ?? "";
        var effectiveFrom = Date(root, "effectiveFrom", v);

        EligibilityParameters? eligibility = null;
        if (!root.TryGetProperty("eligibility", out var e) || e.ValueKind != JsonValueKind.Object)
            v.Add("eligibility", "is required");
        else
            eligibility = ParseEligibility(e, v);

        MedicalParameters? medical = null;
        if (!root.TryGetProperty("medical", out var m) || m.ValueKind != JsonValueKind.Object)
            v.Add("medical", "is required");
        else
            medical = MedicalSection.Parse(m, v);

        ReimbursementParameters? reimbursement = null;
        if (!root.TryGetProperty("reimbursement", out var r) || r.ValueKind != JsonValueKind.Object)
            v.Add("reimbursement", "is required");
        else
            reimbursement = MedicalSection.ParseReimbursement(r, v);

        AllowanceParameters? allowance = null;
        if (!root.TryGetProperty("allowance", out var a) || a.ValueKind != JsonValueKind.Object)
            v.Add("allowance", "is required");
        else
            allowance = MedicalSection.ParseAllowance(a, v);

        NotificationParameters? notifications = null;
        if (!root.TryGetProperty("notifications", out var n) || n.ValueKind != JsonValueKind.Object)
            v.Add("notifications", "is required");
        else
            notifications = NotificationSection.Parse(n, v);

        v.ThrowIfInvalid();
        return new RegionPolicy(versionId, region!, name, effectiveFrom, eligibility!, medical!, reimbursement!, allowance!, notifications!, root);
    }

    private static EligibilityParameters? ParseEligibility(JsonElement e, Validator v)
    {
        var medicalKinds = Kinds(e, "eligibility.maternityMedicalKinds", "maternityMedicalKinds", v);
        var contributing = Kinds(e, "eligibility.contributingKinds", "contributingKinds", v);
        var excluded = Kinds(e, "eligibility.allowanceExcludedKinds", "allowanceExcludedKinds", v);
        var months = Int(e, "minimumContributionMonths", "eligibility.minimumContributionMonths", 0, 120, v);
        var counting = Enum<ContributionCounting>(e, "contributionCounting", "eligibility.contributionCounting", v);
        var backPayments = Bool(e, "backPaymentsCounted", "eligibility.backPaymentsCounted", v);
        var insuredOnDate = Bool(e, "mustBeInsuredOnEventDate", "eligibility.mustBeInsuredOnEventDate", v);
        var spouseAllowance = Bool(e, "spouseReceivesAllowance", "eligibility.spouseReceivesAllowance", v);

        NewbornWaitingPeriod? newborn = null;
        if (!e.TryGetProperty("newbornWaitingPeriod", out var n) || n.ValueKind != JsonValueKind.Object)
            v.Add("eligibility.newbornWaitingPeriod", "is required");
        else
        {
            var days = Int(n, "enrolWithinDays", "eligibility.newbornWaitingPeriod.enrolWithinDays", 0, 366, v);
            var late = Enum<LateEnrolmentCoverage>(n, "lateEnrolmentCoveredFrom", "eligibility.newbornWaitingPeriod.lateEnrolmentCoveredFrom", v);
            newborn = new NewbornWaitingPeriod(days, late);
        }

        var imprisonment = !e.TryGetProperty("imprisonmentSuspendsBenefits", out _)
            || Bool(e, "imprisonmentSuspendsBenefits", "eligibility.imprisonmentSuspendsBenefits", v);
        var transferred = !e.TryGetProperty("transferredMonthsCounted", out _)
            || Bool(e, "transferredMonthsCounted", "eligibility.transferredMonthsCounted", v);

        return newborn is null ? null
            : new EligibilityParameters(medicalKinds, contributing, months, counting, backPayments, insuredOnDate, excluded, spouseAllowance, newborn)
            {
                ImprisonmentSuspendsBenefits = imprisonment,
                TransferredMonthsCounted = transferred,
            };
    }

    /// <summary>A required text property; <paramref name="field"/> names it in the refusal (default: its name, at the top level).</summary>
    internal static string? Text(JsonElement o, string name, Validator v, string? field = null)
    {
        if (o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String && p.GetString()!.Trim().Length > 0)
            return p.GetString()!.Trim();
        v.Add(field ?? name, "is required (text)");
        return null;
    }

    internal static DateOnly Date(JsonElement o, string name, Validator v)
    {
        if (o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String &&
            DateOnly.TryParseExact(p.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        v.Add(name, "must be a date in the form yyyy-MM-dd");
        return default;
    }

    /// <summary>Yuan as a string ("3000.00"), as money is everywhere: never a JSON number, which readers parse as floating point.</summary>
    internal static decimal Money(JsonElement o, string name, string field, Validator v)
    {
        var text = o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var amount = v.Money(field, text);
        if (!v.HasErrorFor(field) && amount <= 0) v.Add(field, "must be more than zero");
        return amount;
    }

    internal static int Int(JsonElement o, string name, string field, int min, int max, Validator v)
    {
        if (o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var value) && value >= min && value <= max)
            return value;
        v.Add(field, $"must be a whole number from {min} to {max}");
        return 0;
    }

    internal static bool Bool(JsonElement o, string name, string field, Validator v)
    {
        if (o.TryGetProperty(name, out var p) && p.ValueKind is JsonValueKind.True or JsonValueKind.False) return p.GetBoolean();
        v.Add(field, "must be true or false");
        return false;
    }

    internal static T Enum<T>(JsonElement o, string name, string field, Validator v) where T : struct, Enum
    {
        if (o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String &&
            System.Enum.TryParse<T>(p.GetString(), ignoreCase: false, out var value) && System.Enum.IsDefined(value))
            return value;
        v.Add(field, $"must be one of {string.Join(", ", System.Enum.GetNames<T>())}");
        return default;
    }

    private static IReadOnlySet<string> Kinds(JsonElement o, string field, string name, Validator v)
    {
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        if (!o.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Array)
        {
            v.Add(field, "must be a list of insured kinds");
            return kinds;
        }
        foreach (var item in p.EnumerateArray())
        {
            var kind = item.ValueKind == JsonValueKind.String ? item.GetString()! : "";
            if (KnownKinds.Contains(kind)) kinds.Add(kind);
            else v.Add(field, $"'{item}' is not an insured kind ({string.Join(", ", KnownKinds)})");
        }
        return kinds;
    }
}
