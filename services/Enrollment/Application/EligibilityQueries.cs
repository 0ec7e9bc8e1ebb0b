using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

public sealed record CheckEligibility(string? PersonId, string? IdNumber, Benefit? Benefit, string EventDate, string Region, string InstitutionCode);

/// <summary>
/// The answer, the institution's standing on the date when one was named, and whether the person's part came from the
/// cache (for telemetry and the benchmark, not for callers' logic).
/// </summary>
public sealed record EligibilityAnswer(EligibilityDecision Decision, InstitutionStanding? Institution, bool FromCache);

/// <summary>
/// CheckEligibility: Claims, Allowance and Prenatal ask it on every decision. The rules applied are those of the
/// person's pooling region on the event date, from the insurance record; a region the caller states must agree. The
/// person's part comes from Redis when a valid answer is there, otherwise from one database snapshot, and is stored for
/// the next caller (see <see cref="EligibilityCache"/>); the institution's standing comes from the registry.
/// </summary>
public sealed class EligibilityQueries(
    EligibilityStore store, EligibilityCache cache, RegionPolicyCatalog policies, InstitutionRegistry institutions, TimeProvider clock)
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
        var institutionCode = string.IsNullOrWhiteSpace(query.InstitutionCode) ? null : v.InstitutionCode("institution_code", query.InstitutionCode);
        if (!string.IsNullOrWhiteSpace(query.Region)) v.Region(policies, "region", query.Region, date: null); // a stated region must at least exist
        v.ThrowIfInvalid();

        var benefit = query.Benefit!.Value;
        var (decision, fromCache) = await DecideAsync(subject, benefit, eventDate, ct);
        if (decision.Region.Length > 0)
            new Validator().Agrees("region", query.Region, decision.Region, $"the person's pooling region on {eventDate:yyyy-MM-dd}")
                .ThrowIfInvalid();
        var standing = institutionCode is null ? null : institutions.StandingOn(institutionCode, eventDate);
        return new EligibilityAnswer(decision, standing, fromCache);
    }

    private async Task<(EligibilityDecision Decision, bool FromCache)> DecideAsync(EligibilitySubject subject, Benefit benefit, DateOnly eventDate, CancellationToken ct)
    {
        // The catalog generation is in the field: an answer computed under older region parameters is never read again.
        var field = $"{(int)benefit}|{eventDate:yyyyMMdd}|{policies.Generation}";
        var lookup = await cache.TryGetAsync(subject.Key, field);
        if (lookup.Decision is { } cached) return (cached, true);

        var (facts, revision) = await store.ReadAsync(subject, eventDate, ct);
        EligibilityDecision decision;
        if (EligibilityRules.RegionOf(facts, eventDate) is not { } region) decision = EligibilityRules.NotInsured(facts, eventDate);
        else if (region.Length == 0)
            decision = new EligibilityDecision(false,
                [new("region-unknown", $"the insurance record names no pooling region on {eventDate:yyyy-MM-dd}: a clerk records it (ChangeInsurance)")],
                "", null, null, false, "");
        else
        {
            var resolution = policies.Resolve(region, eventDate);
            decision = resolution.Policy is { } policy
                ? EligibilityRules.Decide(facts, benefit, eventDate, policy)
                : throw new RuleViolationException("region-policy-missing",
                    $"the person is insured in region '{region}', whose parameters are not loaded for {eventDate:yyyy-MM-dd}: {resolution.Error}");
        }
        if (lookup.Generation is { } generation)
            await cache.StoreAsync(subject.Key, field, generation, revision, decision);
        return (decision, false);
    }
}
