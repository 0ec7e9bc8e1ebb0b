using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.ServiceDefaults.Security;

namespace MaternityCloud.Tests.Infrastructure;

/// <summary>
/// The test run's own platform issuer: services under test trust its public key, and tests present credentials it
/// signs, exactly as hospitals and operators present the ones a deployment's issuer signs.
/// </summary>
public static class TestCredentials
{
    private static readonly ECDsa IssuerKey = PlatformCredentials.NewIssuerKey();
    private static readonly Func<Caller, string> Issued = IssuedBy(IssuerKey);

    public static string IssuerPublicKeyPem { get; } = IssuerKey.ExportSubjectPublicKeyInfoPem();

    public static readonly Caller Administrator = Caller.Operator("test-admin", OperatorRole.Administrator, "fund-centre");

    public static string For(Caller caller) => Issued(caller);

    public static Metadata Headers(Caller caller) => new() { { "authorization", "Bearer " + For(caller) } };

    /// <summary>Credentials from another issuer's key, e.g. the one an AppHost made in its state folder.</summary>
    public static Func<Caller, string> IssuedBy(ECDsa key)
    {
        var issued = new ConcurrentDictionary<Caller, string>();
        return caller => issued.GetOrAdd(caller, c => PlatformCredentials.Issue(key, c, TimeSpan.FromHours(4)));
    }

    /// <summary>
    /// Presents, on each call, the credential of whoever the request says acts: the operator in a CaseOperator or an
    /// operator field, the institution in institution_code or hospital_code, and otherwise an administrator. The
    /// services bind those fields to the credential, so this is what a hospital's or an operator's own client does.
    /// </summary>
    public sealed class ActAsTheRequestSays(Func<Caller, string>? issue = null) : Interceptor
    {
        private readonly Func<Caller, string> _issue = issue ?? For;

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, With(context, CallerFor(request as IMessage)));

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, With(context, CallerFor(request as IMessage)));

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
            ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(With(context, Administrator));

        private ClientInterceptorContext<TRequest, TResponse> With<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, Caller caller)
            where TRequest : class where TResponse : class
        {
            if (context.Options.Headers?.Any(h => h.Key == "authorization") == true) return context; // the test chose
            var headers = new Metadata();
            foreach (var h in context.Options.Headers ?? []) headers.Add(h);
            headers.Add("authorization", "Bearer " + _issue(caller));
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }

        public static Caller CallerFor(IMessage? request)
        {
            if (request is null) return Administrator;
            var fields = request.Descriptor.Fields.InFieldNumberOrder();
            if (fields.FirstOrDefault(f => f.Name == "operator" && f.FieldType == Google.Protobuf.Reflection.FieldType.Message) is { } op
                && op.Accessor.GetValue(request) is IMessage { } o && o.CalculateSize() > 0)
            {
                var d = o.Descriptor;
                var role = (int)d.FindFieldByName("role").Accessor.GetValue(o);
                return Caller.Operator((string)d.FindFieldByName("operator_id").Accessor.GetValue(o),
                    role == 0 ? OperatorRole.Administrator : (OperatorRole)role, (string)d.FindFieldByName("site").Accessor.GetValue(o));
            }
            string Text(string name) => fields.FirstOrDefault(f => f.Name == name && f.FieldType == Google.Protobuf.Reflection.FieldType.String && !f.IsRepeated)
                is { } f ? (string)f.Accessor.GetValue(request) : "";
            foreach (var name in RequestIdentity.InstitutionFields)
                if (Text(name) is { Length: > 0 } code) return Caller.Institution(code);
            foreach (var name in RequestIdentity.OperatorFields)
                if (Text(name) is { Length: > 0 } id) return Caller.Operator(id, OperatorRole.Administrator, "fund-centre");
            return Administrator;
        }
    }
}
