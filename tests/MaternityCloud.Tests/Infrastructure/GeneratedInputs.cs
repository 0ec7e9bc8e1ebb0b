using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// Requests made from a method's descriptor alone: the empty request, every field set to each boundary value of its
/// kind (on top of a valid request when one is given, so the refusal comes from that field and not the first check),
/// unknown enum numbers, random whole messages, oversized messages and bytes that are not protobuf at all.
/// </summary>
public static class GeneratedInputs
{
    public sealed record Input(string Label, byte[] Bytes);

    private static readonly string[] Text = ["", " ", "\0", "\u202e", "中文全角　字段", "' OR 1=1; DROP TABLE settlement; --", "%s%n", new string('9', 10_000)];
    private static readonly string[] IdNumbers = ["330302199001011234", "33030219900101123", "330302199013011238", "33030219900101123x", "000000000000000000", "3303021990010112345"];
    private static readonly string[] Dates = ["2026-02-30", "20261122", "1900-01-01", "9999-12-31", "2026-13-01", "yesterday", "2026-11-22T10:00:00"];
    private static readonly string[] Amounts = ["12.345", "-1.00", "1e3", "NaN", "99999999999999999999.99", "0.00", " 1.00", "1,000.00", "0.001", "-0.00"];
    private static readonly string[] Codes = ["H", "H3303020000112345", "X33030200001", "91330302MA2ABCDE1X", "330300\n"];
    private static readonly long[] Integers = [0, -1, 1, int.MaxValue, int.MinValue];

    public static IEnumerable<Input> For(MessageDescriptor descriptor, IMessage? valid, Random random)
    {
        var basis = valid ?? (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        yield return new Input("empty", []);
        if (valid is not null) yield return new Input("valid", valid.ToByteArray());

        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            foreach (var (label, value) in Boundaries(field, random))
            {
                var message = Copy(basis);
                Set(message, field, value);
                yield return new Input($"{field.Name}={label}", message.ToByteArray());
            }
        }

        for (var i = 0; i < 12; i++) yield return new Input($"random#{i}", RandomMessage(descriptor, random, depth: 0).ToByteArray());

        // Larger than the 4 MB a server receives: refused by size before any handler runs.
        if (descriptor.Fields.InFieldNumberOrder().FirstOrDefault(f => f.FieldType == FieldType.String && !f.IsRepeated) is { } text)
        {
            var huge = Copy(basis);
            text.Accessor.SetValue(huge, new string('a', 5 * 1024 * 1024));
            yield return new Input($"{text.Name}=5MB", huge.ToByteArray());
        }
        var garbage = new byte[64];
        random.NextBytes(garbage);
        yield return new Input("not-protobuf", garbage);
        yield return new Input("truncated", [0x0a, 0xff, 0xff, 0xff, 0x0f]); // a length-delimited field claiming 4 GB
    }

    private static IEnumerable<(string Label, object Value)> Boundaries(FieldDescriptor field, Random random)
    {
        if (field.IsMap) yield break;
        if (field.IsRepeated)
        {
            yield return ("[]", new List<object>());
            var one = Single(field, random).FirstOrDefault();
            if (one.Value is not null)
            {
                yield return ("[boundary]", new List<object> { one.Value });
                yield return ("[x1000]", Enumerable.Repeat(one.Value, 1000).ToList());
            }
            yield break;
        }
        foreach (var v in Single(field, random)) yield return v;
    }

    private static IEnumerable<(string Label, object Value)> Single(FieldDescriptor field, Random random)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                var name = field.Name;
                var hinted = name.Contains("id_number") || name.Contains("certificate_number") ? IdNumbers
                    : name.Contains("date") || name.EndsWith("_on") || name.EndsWith("_from") || name.EndsWith("_to") || name.Contains("month") ? Dates
                    : name.Contains("amount") || name.Contains("price") || name.Contains("quantity") || name.Contains("fund") || name.Contains("wage") ? Amounts
                    : name.Contains("code") || name == "region" ? Codes
                    : [];
                foreach (var s in hinted.Concat(Text)) yield return (Short(s), s);
                break;
            case FieldType.Bool:
                yield return ("true", true);
                break;
            case FieldType.Enum:
                yield return ("999", Enum.ToObject(field.EnumType.ClrType, 999));
                yield return ("-1", Enum.ToObject(field.EnumType.ClrType, -1));
                break;
            case FieldType.Message:
                yield return ("{}", Activator.CreateInstance(field.MessageType.ClrType)!);
                yield return ("{random}", RandomMessage(field.MessageType, random, depth: 1));
                break;
            case FieldType.Double or FieldType.Float:
                foreach (var d in new[] { double.NaN, double.PositiveInfinity, -1e308 })
                    yield return (d.ToString(), field.FieldType == FieldType.Float ? (object)(float)d : d);
                break;
            case FieldType.Bytes:
                yield return ("empty", ByteString.Empty);
                break;
            default:
                foreach (var i in Integers) yield return (i.ToString(), Integer(field.FieldType, i));
                break;
        }
    }

    private static object Integer(FieldType type, long value) => type switch
    {
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => value,
        FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)value),
        FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)value),
        _ => unchecked((int)value),
    };

    private static IMessage RandomMessage(MessageDescriptor descriptor, Random random, int depth)
    {
        var message = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.IsMap || random.Next(3) == 0) continue;
            if (field.FieldType == FieldType.Message && depth >= 2) continue;
            var choices = field.FieldType == FieldType.Message
                ? [("random", (object)RandomMessage(field.MessageType, random, depth + 1))]
                : Single(field, random).Where(v => v.Value is not string { Length: > 1000 }).ToList();
            if (choices.Count == 0) continue;
            var value = choices[random.Next(choices.Count)].Item2;
            Set(message, field, field.IsRepeated ? Enumerable.Repeat(value, random.Next(1, 4)).ToList() : value);
        }
        return message;
    }

    private static void Set(IMessage message, FieldDescriptor field, object value)
    {
        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(message);
            list.Clear();
            foreach (var item in (IEnumerable)value) list.Add(item);
        }
        else field.Accessor.SetValue(message, value);
    }

    private static IMessage Copy(IMessage m) => m.Descriptor.Parser.ParseFrom(m.ToByteArray());

    private static string Short(string s) => s.Length > 24 ? $"<{s.Length} chars>" : s.Replace("\0", "\\0").Replace("\n", "\\n");
}
