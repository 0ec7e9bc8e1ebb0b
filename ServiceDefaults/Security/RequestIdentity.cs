using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.ServiceDefaults.Security;

/// <summary>
/// The fields of a request or reply that name who acts: the institution (<c>institution_code</c>, <c>hospital_code</c>),
/// whoever acts (<c>operator</c>, <c>operator_id</c>, <c>filed_by</c>, <c>reviewer</c>, <c>changed_by</c>,
/// <c>applicant</c>, <c>loaded_by</c>, <c>published_by</c>, <c>recorded_by</c>, <c>started_by</c>: the operator's id, the institution's code or the service's
/// name) and an operator's CaseOperator message. The credential decides them: a field left empty is filled from it, and
/// one naming someone else refuses the call. Found once per message type by reflection, so every method of every service
/// is held to the same rule without code of its own.
/// </summary>
internal static class RequestIdentity
{
    internal static readonly string[] InstitutionFields = ["institution_code", "hospital_code"];
    internal static readonly string[] OperatorFields =
        ["operator", "operator_id", "filed_by", "reviewer", "changed_by", "applicant", "loaded_by", "published_by", "recorded_by", "started_by"];
    private static readonly string[] SubjectFields = ["id_number", "settlement_id", "case_id", "registration_id", "message_id", "batch_id", "credit_code"];

    private sealed record Shape(
        FieldDescriptor[] Institution, FieldDescriptor[] OperatorText, FieldDescriptor? OperatorMessage,
        FieldDescriptor[] Subject, FieldDescriptor? RequestId, FieldDescriptor[] NestedLists);

    private static readonly ConcurrentDictionary<MessageDescriptor, Shape> Shapes = new();

    private static Shape Of(MessageDescriptor d) => Shapes.GetOrAdd(d, static d =>
    {
        bool Text(FieldDescriptor f) => f.FieldType == FieldType.String && !f.IsRepeated;
        var fields = d.Fields.InFieldNumberOrder();
        return new Shape(
            fields.Where(f => Text(f) && InstitutionFields.Contains(f.Name)).ToArray(),
            fields.Where(f => Text(f) && OperatorFields.Contains(f.Name)).ToArray(),
            fields.FirstOrDefault(f => f.FieldType == FieldType.Message && !f.IsRepeated && f.Name == "operator" && f.MessageType.Name == "CaseOperator"),
            SubjectFields.Select(n => fields.FirstOrDefault(f => Text(f) && f.Name == n)).OfType<FieldDescriptor>().ToArray(),
            fields.FirstOrDefault(f => Text(f) && f.Name == "request_id"),
            fields.Where(f => f.FieldType == FieldType.Message && !f.IsMap && f.MessageType.Fields.InFieldNumberOrder()
                .Any(g => InstitutionFields.Contains(g.Name))).ToArray());
    });

    /// <summary>Holds the request's identity fields to the caller's credential, filling empty ones.</summary>
    public static void Bind(IMessage request, Caller caller)
    {
        var shape = Of(request.Descriptor);
        if (caller.Kind == CallerKind.Institution)
            foreach (var field in shape.Institution) BindText(request, field, caller.Id, "institution");
        foreach (var field in shape.OperatorText) BindText(request, field, caller.Id, "caller");
        if (caller.Kind == CallerKind.Operator && shape.OperatorMessage is { } message) BindCaseOperator(request, message, caller);
    }

    private static void BindText(IMessage request, FieldDescriptor field, string own, string who)
    {
        var given = (string)field.Accessor.GetValue(request);
        if (given.Length == 0) field.Accessor.SetValue(request, own);
        else if (given != own)
            throw new PermissionDeniedException($"{field.Name} names another {who} than the caller's credential");
    }

    private static void BindCaseOperator(IMessage request, FieldDescriptor field, Caller caller)
    {
        var given = (IMessage?)field.Accessor.GetValue(request);
        var shape = field.MessageType;
        var fromCredential = (IMessage)Activator.CreateInstance(given?.GetType() ?? shape.ClrType)!;
        shape.FindFieldByName("operator_id").Accessor.SetValue(fromCredential, caller.Id);
        shape.FindFieldByName("role").Accessor.SetValue(fromCredential, (int)caller.Role!.Value);
        shape.FindFieldByName("site").Accessor.SetValue(fromCredential, caller.Site!);
        if (given is not null && !given.Equals(fromCredential) && !IsEmpty(given))
            throw new PermissionDeniedException("operator names another operator, role or site than the caller's credential");
        field.Accessor.SetValue(request, fromCredential);
    }

    private static bool IsEmpty(IMessage m) => m.CalculateSize() == 0;

    /// <summary>The institution named by a reply (or an element of a list in it) that is not the caller's, if any.</summary>
    public static string? ForeignInstitution(IMessage reply, Caller caller)
    {
        var shape = Of(reply.Descriptor);
        foreach (var field in shape.Institution)
            if ((string)field.Accessor.GetValue(reply) is { Length: > 0 } named && named != caller.Id) return named;
        foreach (var field in shape.NestedLists)
        {
            var value = field.Accessor.GetValue(reply);
            var items = field.IsRepeated ? ((System.Collections.IEnumerable)value).Cast<IMessage>() : value is IMessage one ? [one] : [];
            foreach (var item in items)
                if (ForeignInstitution(item, caller) is { } named) return named;
        }
        return null;
    }

    /// <summary>Whom the call is about, for the audit log: the person's ID number if the message names one, else the thing's id.</summary>
    public static string? Subject(IMessage message)
    {
        foreach (var field in Of(message.Descriptor).Subject)
            if ((string)field.Accessor.GetValue(message) is { Length: > 0 } value) return value;
        return null;
    }

    public static string? RequestId(IMessage message) =>
        Of(message.Descriptor).RequestId is { } f && (string)f.Accessor.GetValue(message) is { Length: > 0 } id ? id : null;
}
