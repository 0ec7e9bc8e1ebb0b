using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace MaternityCloud.ServiceDefaults.Grpc;

/// <summary>
/// Times every gRPC call the service answers, by method and final gRPC status (OpenTelemetry's rpc.server.call.duration).
/// ASP.NET Core's own http.server.request.duration cannot tell a refused call from a good one: gRPC answers HTTP 200 with
/// the status in a trailer. Registered before <see cref="DomainExceptionInterceptor"/> so it sees the translated status.
/// </summary>
public sealed class GrpcServerMetricsInterceptor : Interceptor
{
    public const string MeterName = "MaternityCloud.Grpc";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "rpc.server.call.duration", "s", "Time to answer a gRPC call, by method and status",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        TimedAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        TimedAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        TimedAsync(context, async () => { await continuation(request, responseStream, context); return true; });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        TimedAsync(context, async () => { await continuation(requestStream, responseStream, context); return true; });

    private static async Task<T> TimedAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            Record(context, started, null);
            return result;
        }
        catch (Exception e)
        {
            Record(context, started, e);
            throw;
        }
    }

    private static void Record(ServerCallContext context, long started, Exception? failure)
    {
        var status = failure switch
        {
            null => context.Status.StatusCode,
            RpcException rpc => rpc.StatusCode,
            OperationCanceledException => StatusCode.Cancelled,
            _ => StatusCode.Unknown,
        };
        // context.Method is "/package.Service/Method".
        var method = context.Method.AsSpan().TrimStart('/');
        var slash = method.IndexOf('/');
        var tags = new TagList
        {
            { "rpc.system", "grpc" },
            { "rpc.service", slash < 0 ? method.ToString() : method[..slash].ToString() },
            { "rpc.method", slash < 0 ? "" : method[(slash + 1)..].ToString() },
            { "rpc.grpc.status_code", (int)status },
        };
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}
