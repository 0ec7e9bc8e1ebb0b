namespace MaternityCloud.BuildingBlocks.Domain;

/// <summary>One field that failed validation, named as the caller spelled it (the proto field name).</summary>
public sealed record FieldViolation(string Field, string Reason);

/// <summary>Base of the refusals a handler may raise. The gRPC layer maps each kind to one status code.</summary>
public abstract class DomainException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The request itself is malformed: every bad field is listed (→ InvalidArgument with BadRequest details).</summary>
public sealed class ValidationFailedException(IReadOnlyList<FieldViolation> violations)
    : DomainException("Invalid request: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Reason}")))
{
    public IReadOnlyList<FieldViolation> Violations { get; } = violations;
}

/// <summary>The thing asked for does not exist (→ NotFound).</summary>
public sealed class NotFoundException(string what, string key) : DomainException($"{what} '{key}' was not found");

/// <summary>A different thing already exists under the same key (→ AlreadyExists).</summary>
public sealed class AlreadyExistsException(string what, string key, string detail)
    : DomainException($"{what} '{key}' already exists: {detail}");

/// <summary>The request is well-formed but a business rule refuses it (→ FailedPrecondition), naming the rule.</summary>
public sealed class RuleViolationException(string rule, string message) : DomainException(message)
{
    public string Rule { get; } = rule;

    /// <summary>Several reasons at once (e.g. every eligibility reason), each with its own rule code.</summary>
    public IReadOnlyList<(string Rule, string Message)> Reasons { get; init; } = [(rule, message)];
}

/// <summary>Collects field violations so a caller hears about every bad field at once, not one per round trip.</summary>
public sealed class Validator
{
    private readonly List<FieldViolation> _violations = [];

    public Validator Check(bool ok, string field, string reason)
    {
        if (!ok) _violations.Add(new FieldViolation(field, reason));
        return this;
    }

    public Validator Add(string field, string reason)
    {
        _violations.Add(new FieldViolation(field, reason));
        return this;
    }

    public bool HasErrorFor(string field) => _violations.Any(v => v.Field == field);

    /// <summary>What was found so far, for a caller that reports problems itself instead of refusing the request.</summary>
    public IReadOnlyList<FieldViolation> Violations => _violations;

    public void ThrowIfInvalid()
    {
        if (_violations.Count > 0) throw new ValidationFailedException(_violations.ToArray());
    }
}

/// <summary>The caller may not do this or see this (→ PermissionDenied): another site's case, another institution's data.</summary>
public sealed class PermissionDeniedException(string message) : DomainException(message);

/// <summary>A service this one depends on did not answer (→ Unavailable): the caller may retry the same request.</summary>
public sealed class DependencyUnavailableException(string dependency, Exception? inner = null)
    : DomainException($"{dependency} is not available right now; retry the same request", inner);
