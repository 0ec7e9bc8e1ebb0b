using System.Security.Cryptography;

namespace MaternityCloud.Enrollment.Domain;

/// <summary>
/// An electronic medical-insurance code (医保电子凭证) the platform issued to a person: what a hospital scans at the
/// counter instead of an ID card. Random, so it says nothing about whom it identifies; only the platform resolves it.
/// </summary>
public sealed record ElectronicCode(string Code, Guid PersonId, DateTimeOffset IssuedAt)
{
    /// <summary>"EC" and 32 upper-case hexadecimal digits (128 random bits).</summary>
    public static string NewCode() => "EC" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public static bool LooksLikeCode(string text) => text.Length == 34 && text.StartsWith("EC", StringComparison.Ordinal)
        && text.Skip(2).All(c => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F');
}

/// <summary>A newborn linked to a guardian's account (亲情代办), with the newborn's electronic code.</summary>
public sealed record LinkedNewborn(InsuredPerson Newborn, string GuardianIdNumber, DateTimeOffset LinkedAt, ElectronicCode Code);

/// <summary>Whom a code identifies: the person, their ID number (empty for a newborn before household registration).</summary>
public sealed record ElectronicCodeHolder(Guid PersonId, string? IdNumber, string? BirthCertificateNumber);
