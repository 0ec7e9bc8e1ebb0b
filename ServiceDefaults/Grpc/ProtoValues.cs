using System.Globalization;

namespace MaternityCloud.ServiceDefaults.Grpc;

/// <summary>How every gRPC adapter turns proto values into domain values and back, the same way in every service.</summary>
public static class ProtoValues
{
    /// <summary>
    /// The domain enum value with the same number, or null for 0 (the proto's UNSPECIFIED) and for numbers the domain
    /// does not know (a newer client's value): both mean "no valid value given", which the handler names as a bad field.
    /// </summary>
    public static TDomain? ToDomain<TDomain>(int number) where TDomain : struct, Enum
    {
        if (number == 0) return null;
        var value = (TDomain)Enum.ToObject(typeof(TDomain), number);
        return Enum.IsDefined(value) ? value : null;
    }

    /// <summary>Dates travel as ISO-8601 calendar dates ("2026-03-01").</summary>
    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Money travels as yuan with two decimals ("3000.00"), never as a float.</summary>
    public static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
