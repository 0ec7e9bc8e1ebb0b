namespace MaternityCloud.AppHost.Dashboard.Telemetry;

/// <summary>
/// One shared instance for each recurring attribute and name. Spans and logs repeat the same few hundred keys and values
/// (rpc.system=grpc, the route, the service, the scope) across the hundred thousand records the store holds; without
/// sharing, each record carried its own copies, most of the dashboard's memory. Long values (ids, messages) are not
/// pooled: they rarely recur. When the pool is full it starts over, so values that stopped recurring do not pin memory;
/// records keep the instances they were given.
/// </summary>
public sealed class AttributePool(int capacity = 50_000)
{
    private const int MaxPooledLength = 96;
    private readonly Lock _gate = new();
    private Dictionary<(string Key, string Value), Attribute> _attributes = [];
    private Dictionary<string, string> _texts = new(StringComparer.Ordinal);

    public Attribute Attribute(string key, string value)
    {
        if (value.Length > MaxPooledLength) return new Attribute(Text(key), value);
        lock (_gate)
        {
            if (_attributes.TryGetValue((key, value), out var shared)) return shared;
            if (_attributes.Count >= capacity) _attributes = [];
            return _attributes[(key, value)] = new Attribute(TextLocked(key), TextLocked(value));
        }
    }

    public string Text(string text)
    {
        if (text.Length > MaxPooledLength) return text;
        lock (_gate) return TextLocked(text);
    }

    private string TextLocked(string text)
    {
        if (_texts.TryGetValue(text, out var shared)) return shared;
        if (_texts.Count >= capacity) _texts = new(StringComparer.Ordinal);
        return _texts[text] = text;
    }
}
