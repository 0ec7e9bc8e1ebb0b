using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace MaternityCloud.ServiceDefaults.Grpc;

/// <summary>
/// A request body that is not a protobuf message of the method's type fails while gRPC reads it, before any
/// interceptor runs, and grpc-dotnet answers Unknown ("Exception was thrown by handler"). That is the caller's error,
/// not the server's: this answers InvalidArgument instead, so a hospital's broken client is told what it did. The
/// status sits in the headers of a trailers-only reply (nothing was sent yet) or in the trailers.
/// </summary>
public sealed class UnreadableRequestMiddleware(RequestDelegate next)
{
    private const string Message = "The request is not a protobuf message of the method's request type.";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            await next(context);
            return;
        }
        context.Response.OnStarting(() =>
        {
            Rewrite(context.Response.Headers);
            return Task.CompletedTask;
        });
        await next(context);
        if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { IsReadOnly: false } trailers) Rewrite(trailers);
    }

    private static void Rewrite(IHeaderDictionary status)
    {
        if (status["grpc-status"] != "2" || !status["grpc-message"].ToString().Contains("InvalidProtocolBufferException")) return;
        status["grpc-status"] = new StringValues("3");
        status["grpc-message"] = new StringValues(Message);
    }
}
