using Grpc.Core;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.ServiceDefaults.Grpc;

public static class PlatformCalls
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static DateTime Deadline() => DateTime.UtcNow.Add(Timeout);

    /// <summary>
    /// A platform call whose refusals are the caller's refusals (the same rule, passed on) and whose outages are
    /// Unavailable, so the hospital hears a status it can act on instead of Internal.
    /// </summary>
    public static async Task<T> RunAsync<T>(string dependency, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted)
        {
            throw new DependencyUnavailableException(dependency, e);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.NotFound)
        {
            throw new RuleViolationException(dependency.Split(' ')[0] + "-refused", $"{dependency} refused: {e.Status.Detail}");
        }
        catch (HttpRequestException e)
        {
            throw new DependencyUnavailableException(dependency, e);
        }
    }
}
