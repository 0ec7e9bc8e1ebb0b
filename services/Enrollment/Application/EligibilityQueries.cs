using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

public sealed record CheckEligibility(string? PersonId, string? IdNumber, Benefit? Benefit, string EventDate, string Region);

/// <summary>The answer, and whether it came from the cache (for telemetry and the benchmark, not for callers' logic).</summary>
public sealed record EligibilityAnswer(EligibilityDecision Decision, bool FromCache);

/// <summary>
/// CheckEligibility: Claims and Allowance ask it on every decision. Answers come from Redis when a valid one is there,
/// otherwise from one database snapshot, and are stored for the next caller (see <see cref="EligibilityCache"/>).
/// </summary>
public sealed class EligibilityQueries(EligibilityStore store, EligibilityCache cache, RegionPolicyCatalog policies, TimeProvider clock)
{
    public async Task<EligibilityAnswer> CheckAsync(CheckEligibility query, CancellationToken ct)
    {
        var v = new Validator();
        EligibilitySubject subject = default;
        if (query.PersonId is { } personText)
        {
            var personId = v.Uuid("person_id", personText);
            if (!v.HasErrorFor("person_id")) subject = EligibilitySubject.ForPerson(personId);
        }
        else if (query.IdNumber is { } idText)
        {
            var id = v.IdNumber("id_number", idText);
            if (!v.HasErrorFor("id_number")) subject = EligibilitySubject.ForIdNumber(id.Value);
        }
        else v.Add("subject", "give person_id or id_number");
        if (query.Benefit is null) v.Add("benefit", "must be maternity medical or allowance");
        var today = clock.GetLocalToday();
        var eventDate = v.Date("event_date", query.EventDate, notAfter: today);
        var policy = v.Region(policies, "region", query.Region, v.HasErrorFor("event_date") ? null : eventDate);
        v.ThrowIfInvalid();

        var benefit = query.Benefit!.Value;
        // The catalog generation is in the field: an answer computed under older region parameters is never read again.
        var field = $"{(int)benefit}|{eventDate:yyyyMMdd}|{policy!.Region}|{policies.Generation}";
        var lookup = await cache.TryGetAsync(subject.Key, field);
        if (lookup.Decision is { } cached) return new EligibilityAnswer(cached, true);

        var (facts, revision) = await store.ReadAsync(subject, eventDate, ct);
        var decision = EligibilityRules.Decide(facts, benefit, eventDate, policy);
        if (lookup.Generation is { } generation)
            await cache.StoreAsync(subject.Key, field, generation, revision, decision);
        return new EligibilityAnswer(decision, false);
    }
}
