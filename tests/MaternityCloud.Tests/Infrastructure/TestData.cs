using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Codes;
using MaternityCloud.Enrollment.Domain;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>Valid identifiers made the way the standards define them, different on every call.</summary>
public static class TestData
{
    private static int _sequence = Random.Shared.Next(100, 900);

    /// <summary>An 18-character resident ID for a Fuzhou (350102) birth, with its check character.</summary>
    public static string IdNumber(DateOnly? birth = null)
    {
        var sequence = Interlocked.Increment(ref _sequence) % 1000;
        var first17 = $"350102{birth ?? new DateOnly(1994, 5, 17):yyyyMMdd}{sequence:000}";
        return first17 + ResidentIdNumber.ComputeCheckCharacter(first17);
    }

    /// <summary>An ID number of a man or a woman (the 17th character is odd for men), as a marriage or filing needs.</summary>
    public static string IdNumber(bool male, DateOnly? birth = null)
    {
        while (true)
        {
            var id = IdNumber(birth);
            if (ResidentIdNumber.TryParse(id, out var parsed, out _) && parsed.IsMale == male) return id;
        }
    }

    /// <summary>A unified social credit code of an enterprise (91) in Fuzhou, with its check character.</summary>
    public static string CreditCode()
    {
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        var body = "91350100" + string.Concat(Enumerable.Range(0, 9).Select(_ => alphabet[Random.Shared.Next(alphabet.Length)]));
        return body + UnifiedSocialCreditCode.ComputeCheckCharacter(body);
    }

    public static string MobilePhone() => "139" + Random.Shared.Next(10_000_000, 99_999_999);

    /// <summary>A visit in the national codes as Claims classifies it (the classified facts its events carry).</summary>
    public static ClassifiedVisit Visit(string medicalType, string? maternityCategory, string? familyPlanningCategory = null, int fetuses = 1, int weeks = 39,
        bool dystocia = false)
    {
        var problems = new List<string>();
        return NationalCodes.ClassifyVisit(medicalType, maternityCategory, familyPlanningCategory, fetuses, weeks, dystocia, false,
            (field, reason) => problems.Add($"{field}: {reason}")) ?? throw new ArgumentException(string.Join("; ", problems));
    }
}
