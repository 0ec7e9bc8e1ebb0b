namespace MaternityCloud.AppHost.Dashboard.Telemetry;

/// <summary>A fixed-capacity buffer that drops its oldest item when full: memory stays bounded whatever arrives.</summary>
public sealed class Ring<T>(int capacity)
{
    private readonly T[] _items = new T[Math.Max(1, capacity)];
    private int _start;

    public int Count { get; private set; }

    public void Add(T item)
    {
        if (Count == _items.Length)
        {
            _items[_start] = item;
            _start = (_start + 1) % _items.Length;
            return;
        }
        _items[(_start + Count) % _items.Length] = item;
        Count++;
    }

    /// <summary>Drops items from the old end while <paramref name="expired"/> holds.</summary>
    public void TrimOldestWhile(Func<T, bool> expired)
    {
        while (Count > 0 && expired(_items[_start]))
        {
            _items[_start] = default!;
            _start = (_start + 1) % _items.Length;
            Count--;
        }
    }

    public IEnumerable<T> NewestFirst()
    {
        for (var i = Count - 1; i >= 0; i--) yield return _items[(_start + i) % _items.Length];
    }

    public IEnumerable<T> OldestFirst()
    {
        for (var i = 0; i < Count; i++) yield return _items[(_start + i) % _items.Length];
    }
}
