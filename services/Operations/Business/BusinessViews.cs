using System.Text;
using Google.Protobuf;
using Grpc.Core;
using ClaimsApi = MaternityCloud.Contracts.Claims.V1;
using AllowanceApi = MaternityCloud.Contracts.Allowance.V1;
using NotificationsApi = MaternityCloud.Contracts.Notifications.V1;

namespace MaternityCloud.Operations.Business;

/// <summary>
/// The business views no generic dashboard has. Each figure comes from the service that owns the fact, through its
/// gRPC GetOperationsSummary (architecture.md: one writer per fact; operations never reads a service's database).
/// A service that does not answer shows its error in its own panel; the others still show.
/// </summary>
public sealed class BusinessViews(
    ClaimsApi.Claims.ClaimsClient claims,
    AllowanceApi.Allowance.AllowanceClient allowance,
    NotificationsApi.Notifications.NotificationsClient notifications)
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public async Task<string> SummaryJsonAsync(CancellationToken ct)
    {
        var claimsPanel = PanelAsync("claims", () => claims.GetOperationsSummaryAsync(new ClaimsApi.OperationsSummaryRequest(), Deadline(ct)).ResponseAsync);
        var allowancePanel = PanelAsync("allowance", () => allowance.GetOperationsSummaryAsync(new AllowanceApi.OperationsSummaryRequest(), Deadline(ct)).ResponseAsync);
        var notificationsPanel = PanelAsync("notifications", () => notifications.GetOperationsSummaryAsync(new NotificationsApi.OperationsSummaryRequest(), Deadline(ct)).ResponseAsync);
        var json = new StringBuilder("{");
        json.Append("\"claims\":").Append(await claimsPanel).Append(',');
        json.Append("\"allowance\":").Append(await allowancePanel).Append(',');
        json.Append("\"notifications\":").Append(await notificationsPanel).Append('}');
        return json.ToString();
    }

    private static CallOptions Deadline(CancellationToken ct) => new(deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);

    private static async Task<string> PanelAsync<T>(string service, Func<Task<T>> call) where T : IMessage
    {
        try
        {
            return Json.Format(await call());
        }
        catch (RpcException e)
        {
            return Error($"{service} did not answer: {e.Status.StatusCode} {e.Status.Detail}");
        }
        catch (InvalidOperationException e)
        {
            return Error($"{service} is not part of this platform: {e.Message}");
        }
    }

    private static string Error(string message) => "{\"error\":" + System.Text.Json.JsonSerializer.Serialize(message) + "}";
}
