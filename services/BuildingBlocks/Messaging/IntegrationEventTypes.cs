using System.Collections.Frozen;
using System.Text.Json;
using MaternityCloud.Contracts.Events;

namespace MaternityCloud.BuildingBlocks.Messaging;

/// <summary>The integration events the platform knows, by stored name, and the one JSON form they are kept in.</summary>
public static class IntegrationEventTypes
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly FrozenDictionary<string, Type> ByName = typeof(IIntegrationEvent).Assembly
        .GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IIntegrationEvent).IsAssignableFrom(t))
        .ToFrozenDictionary(t => NameOf(t), StringComparer.Ordinal);

    public static string NameOf(Type type) => type.FullName!;

    public static bool TryResolve(string name, out Type type) => ByName.TryGetValue(name, out type!);
}
