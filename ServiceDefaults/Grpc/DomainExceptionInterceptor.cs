using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.ServiceDefaults.Grpc;

/// <summary>
/// Turns the domain's refusals into gRPC statuses with google.rpc details, in one place, so adapters stay thin and
/// every service answers the same way: InvalidArgument + BadRequest (every bad field and why), NotFound,
/// AlreadyExists, FailedPrecondition + PreconditionFailure (each rule that refused), PermissionDenied, Unavailable.
/// </summary>
public sealed class DomainExceptionInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (DomainException e) { throw ToRpcException(e); }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (DomainException e) { throw ToRpcException(e); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (DomainException e) { throw ToRpcException(e); }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (DomainException e) { throw ToRpcException(e); }
    }

    public static RpcException ToRpcException(DomainException exception)
    {
        var status = exception switch
        {
            ValidationFailedException v => new Google.Rpc.Status
            {
                Code = (int)Code.InvalidArgument,
                Details =
                {
                    Any.Pack(new BadRequest
                    {
                        FieldViolations =
                        {
                            v.Violations.Select(f => new BadRequest.Types.FieldViolation { Field = f.Field, Description = f.Reason }),
                        },
                    }),
                },
            },
            NotFoundException => new Google.Rpc.Status { Code = (int)Code.NotFound },
            AlreadyExistsException => new Google.Rpc.Status { Code = (int)Code.AlreadyExists },
            RuleViolationException r => new Google.Rpc.Status
            {
                Code = (int)Code.FailedPrecondition,
                Details =
                {
                    Any.Pack(new PreconditionFailure
                    {
                        Violations = { r.Reasons.Select(x => new PreconditionFailure.Types.Violation { Type = x.Rule, Description = PersonalData.Scrub(x.Message) }) },
                    }),
                },
            },
            PermissionDeniedException => new Google.Rpc.Status { Code = (int)Code.PermissionDenied },
            DependencyUnavailableException => new Google.Rpc.Status { Code = (int)Code.Unavailable },
            _ => new Google.Rpc.Status { Code = (int)Code.Internal },
        };
        status.Message = PersonalData.Scrub(exception.Message);
        return status.ToRpcException();
    }
}
