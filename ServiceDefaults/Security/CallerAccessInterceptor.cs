using System.Diagnostics.Metrics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.ServiceDefaults.Grpc;
using Microsoft.Extensions.Logging;

namespace MaternityCloud.ServiceDefaults.Security;

/// <summary>
/// Every call to a platform method: the credential is verified (Unauthenticated without a valid one), the method's
/// rule decides whether this caller may call it (PermissionDenied, logged), the request's identity fields are bound to
/// the credential, and the caller is handed to the service (<see cref="CallerOfCall.Caller"/>) so its handler decides,
/// before anything changes, which records this caller may act on. The audit log gets its entry in the handler's own
/// transaction (see ServiceDatabase), or, where the handler made none, committed before the reply leaves. As a last net
/// for reads, an institution never receives another institution's record: it hears NotFound, as for a record that does
/// not exist.
/// </summary>
public sealed partial class CallerAccessInterceptor(
    MethodAccessRules rules, IServiceProvider services, ILogger<CallerAccessInterceptor> logger, IAuditLog? auditLog = null)
    : Interceptor
{
    private static readonly Meter Meter = new("MaternityCloud.Access");
    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("maternitycloud.access.refused", description: "Calls refused for their credential");

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is not { } admitted) return await continuation(request, context);
        var (caller, rule) = admitted;
        var message = request as IMessage;
        Bind(message, caller, context);

        var call = rule.Audit == AuditKind.None || message is null ? null
            : new AuditedCall(caller, MethodName(context), rule.Audit, RequestIdentity.Subject(message) ?? "-", RequestIdentity.RequestId(message));
        AuditedCall.Current = call;
        var response = await continuation(request, context);

        if (caller.Kind == CallerKind.Institution && rule.Audit != AuditKind.Change && response is IMessage reply
            && RequestIdentity.ForeignInstitution(reply, caller) is not null)
        {
            LogForeignReply(logger, caller.ToString(), context.Method);
            throw DomainExceptionInterceptor.ToRpcException(new NotFoundException("record", "asked for"));
        }
        if (call is { Recorded: false })
        {
            var read = call.Kind == AuditKind.Read && response is IMessage r && RequestIdentity.Subject(r) is { } whose
                ? new AuditedCall(caller, call.Action, call.Kind, whose, call.RequestId) : call;
            await auditLog!.RecordAsync(read, context.CancellationToken);
        }
        return response;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is not { } admitted) return await continuation(requestStream, context);
        var (caller, rule) = admitted;
        var call = rule.Audit == AuditKind.None ? null : new AuditedCall(caller, MethodName(context), rule.Audit, "-", null);
        AuditedCall.Current = call;
        var response = await continuation(new BindingReader<TRequest>(requestStream, caller, this, context), context);
        if (call is { Recorded: false }) await auditLog!.RecordAsync(call, context.CancellationToken);
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is { } admitted) Bind(request as IMessage, admitted.Item1, context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is { } admitted)
            requestStream = new BindingReader<TRequest>(requestStream, admitted.Item1, this, context);
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>The caller and the method's rule, or null for a method that is not the platform's (health, reflection).</summary>
    private async Task<(Caller, MethodAccess)?> AdmitAsync(ServerCallContext context)
    {
        if (rules.For(context.Method) is not { } rule) return null;

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw Unauthenticated(context, "no credential: send 'authorization: Bearer <credential>'");
        var verifier = services.GetService(typeof(CredentialVerifier)) as CredentialVerifier
            ?? throw new InvalidOperationException("AddMethodAccess registers the credential verifier");
        var (caller, problem) = await verifier.VerifyAsync(header["Bearer ".Length..].Trim());
        if (caller is null) throw Unauthenticated(context, problem!);

        context.UserState[CallerOfCall.Key] = caller;
        if (!rule.Allows(caller))
            throw Refuse(context, caller, rule.Who == Callers.None && rule.Services.Count == 0
                ? "the method has no access rule" : $"{MethodName(context)} is for {rule.Describe()}, not {caller.Kind} {(caller.Kind == CallerKind.Service ? caller.Id : MethodAccess.Flag(caller))}");
        return (caller, rule);
    }

    private void Bind(IMessage? request, Caller caller, ServerCallContext context)
    {
        if (request is null) return;
        try { RequestIdentity.Bind(request, caller); }
        catch (PermissionDeniedException e) { throw Refuse(context, caller, e.Message); }
    }

    private RpcException Unauthenticated(ServerCallContext context, string why)
    {
        Refused.Add(1, new KeyValuePair<string, object?>("rpc.method", context.Method), new KeyValuePair<string, object?>("reason", "unauthenticated"));
        LogUnauthenticated(logger, context.Method, context.Peer, why);
        return new RpcException(new Status(StatusCode.Unauthenticated, why));
    }

    private RpcException Refuse(ServerCallContext context, Caller caller, string why)
    {
        Refused.Add(1, new KeyValuePair<string, object?>("rpc.method", context.Method), new KeyValuePair<string, object?>("reason", "permission_denied"));
        LogRefused(logger, caller.ToString(), context.Method, why);
        return DomainExceptionInterceptor.ToRpcException(new PermissionDeniedException(why));
    }

    private static string MethodName(ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Caller} calling {Method}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string caller, string method, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A reply of {Method} to {Caller} named another institution: answered NotFound (the handler should have)")]
    private static partial void LogForeignReply(ILogger logger, string caller, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an unauthenticated call to {Method} from {Peer}: {Reason}")]
    private static partial void LogUnauthenticated(ILogger logger, string method, string peer, string reason);

    /// <summary>Binds each streamed request to the credential as it is read.</summary>
    private sealed class BindingReader<T>(IAsyncStreamReader<T> inner, Caller caller, CallerAccessInterceptor owner, ServerCallContext context)
        : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken)) return false;
            owner.Bind(inner.Current as IMessage, caller, context);
            return true;
        }
    }
}

/// <summary>The caller of the call being served, as its verified credential says, for the gRPC adapters to pass to handlers.</summary>
public static class CallerOfCall
{
    internal const string Key = "maternitycloud.caller";

    public static Caller Caller(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is Caller caller
            ? caller
            : throw new InvalidOperationException($"{context.Method} has no verified caller: the service must be behind AddMethodAccess");
}
