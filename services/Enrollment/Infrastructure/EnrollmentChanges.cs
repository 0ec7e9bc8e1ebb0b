using MaternityCloud.BuildingBlocks.Messaging;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>A transaction that changes facts eligibility reads, and says whose.</summary>
public sealed class EnrollmentChange(OutboxTransaction tx)
{
    internal HashSet<Guid> Persons { get; } = [];
    internal HashSet<string> Subjects { get; } = [];

    public OutboxTransaction Tx { get; } = tx;

    /// <summary>This person's answers (and those of spouses filed against them) may change.</summary>
    public void Affects(Guid personId) => Persons.Add(personId);

    public void Affects(IEnumerable<Guid> personIds) => Persons.UnionWith(personIds);

    /// <summary>A subject that is not (or not yet) a person, such as a spouse's ID number.</summary>
    public void AffectsSubject(EligibilitySubject subject) => Subjects.Add(subject.Key);
}

/// <summary>
/// The one way Enrollment commits a change: the business rows, its events (outbox) and the revisions of the subjects
/// it affects in one transaction, then the cached answers of those subjects are dropped.
/// </summary>
public sealed class EnrollmentChanges(ServiceDatabase database, EligibilityCache cache)
{
    public ServiceDatabase Database => database;

    public async Task<T> RunAsync<T>(Func<EnrollmentChange, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        IReadOnlyList<SubjectRevision> revisions = [];
        var result = await database.InTransactionAsync(async (tx, token) =>
        {
            var change = new EnrollmentChange(tx);
            var value = await work(change, token);
            revisions = change.Persons.Count + change.Subjects.Count == 0
                ? []
                : await EligibilityStore.BumpAsync(tx, change.Persons, change.Subjects, token);
            return value;
        }, ct);
        await cache.InvalidateAsync(revisions);
        return result;
    }
}
