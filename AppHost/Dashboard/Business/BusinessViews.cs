using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ClaimsApi = MaternityCloud.Contracts.Claims.V1;
using AllowanceApi = MaternityCloud.Contracts.Allowance.V1;
using NotificationsApi = MaternityCloud.Contracts.Notifications.V1;

namespace MaternityCloud.AppHost.Dashboard.Business;

/// <summary>
/// The business views no generic dashboard has. Each figure comes from the service that owns the fact, through its
/// gRPC GetOperationsSummary (architecture.md: one writer per fact; the dashboard never reads a service's database).
/// A service that does not answer shows its error in its own panel; the others still show.
/// </summary>
public sealed class BusinessViews(Func<string, string?> grpcAddressOf, string? credential)
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new();

    public async Task<string> SummaryJsonAsync(CancellationToken ct)
    {
        var claims = PanelAsync("claims", channel =>
            new ClaimsApi.Claims.ClaimsClient(channel).GetOperationsSummaryAsync(new ClaimsApi.OperationsSummaryRequest(), Deadline(ct)).ResponseAsync);
        var allowance = PanelAsync("allowance", channel =>
            new AllowanceApi.Allowance.AllowanceClient(channel).GetOperationsSummaryAsync(new AllowanceApi.OperationsSummaryRequest(), Deadline(ct)).ResponseAsync);
        var notifications = PanelAsync("notifications", channel =>
            new NotificationsApi.Notifications.NotificationsClient(channel).GetOperationsSummaryAsync(new NotificationsApi.OperationsSummaryRequest(), Deadline(ct)).ResponseAsync);
        var json = new StringBuilder("{");
        json.Append("\"claims\":").Append(await claims).Append(',');
        json.Append("\"allowance\":").Append(await allowance).Append(',');
        json.Append("\"notifications\":").Append(await notifications).Append('}');
        return json.ToString();
    }

    private CallOptions Deadline(CancellationToken ct) => new(
        headers: credential is null ? null : new Metadata { { "authorization", "Bearer " + credential } },
        deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);

    private async Task<string> PanelAsync<T>(string service, Func<GrpcChannel, Task<T>> call) where T : IMessage
    {
        if (grpcAddressOf(service) is not { } address)
            return Error($"{service} is not part of this platform");
        try
        {
            var channel = _channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a));
            return Json.Format(await call(channel));
        }
        catch (RpcException e)
        {
            return Error($"{service} did not answer: {e.Status.StatusCode} {e.Status.Detail}");
        }
    }

    private static string Error(string message) => "{\"error\":" + System.Text.Json.JsonSerializer.Serialize(message) + "}";
}
