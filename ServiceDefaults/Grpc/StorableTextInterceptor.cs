using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.ServiceDefaults.Grpc;

/// <summary>
/// Refuses text that no database can store, before any handler sees it: a NUL character is valid in a protobuf string
/// but PostgreSQL's text cannot hold it, so a name with one would otherwise fail deep in a transaction as an internal
/// error. Every string of the request, nested and repeated ones too, is checked; each bad field is named.
/// </summary>
public sealed class StorableTextInterceptor : Interceptor
{
    private const string Unstorable = "contains a NUL character, which cannot be stored";
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> Fields = new();

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request as IMessage);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckingReader<TRequest>(requestStream), context);

    private static void Check(IMessage? request)
    {
        if (request is null) return;
        var violations = new List<FieldViolation>();
        Walk(request, "", violations);
        if (violations.Count > 0) throw DomainExceptionInterceptor.ToRpcException(new ValidationFailedException(violations));
    }

    private static void Walk(IMessage message, string prefix, List<FieldViolation> violations)
    {
        foreach (var field in Fields.GetOrAdd(message.Descriptor, d => d.Fields.InFieldNumberOrder()
                     .Where(f => f.FieldType is FieldType.String or FieldType.Message).ToArray()))
        {
            var value = field.Accessor.GetValue(message);
            var path = prefix + field.Name;
            switch (value)
            {
                case string text when text.Contains('\0'):
                    violations.Add(new FieldViolation(path, Unstorable));
                    break;
                case IMessage nested:
                    Walk(nested, path + ".", violations);
                    break;
                case IDictionary map:
                    foreach (DictionaryEntry entry in map)
                        if (entry.Key is string k && k.Contains('\0') || entry.Value is string v && v.Contains('\0'))
                            violations.Add(new FieldViolation(path, Unstorable));
                    break;
                case IEnumerable items and not string:
                    var i = 0;
                    foreach (var item in items)
                    {
                        if (item is string s && s.Contains('\0')) violations.Add(new FieldViolation($"{path}[{i}]", Unstorable));
                        else if (item is IMessage m) Walk(m, $"{path}[{i}].", violations);
                        i++;
                    }
                    break;
            }
        }
    }

    private sealed class CheckingReader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken)) return false;
            Check(inner.Current as IMessage);
            return true;
        }
    }
}
