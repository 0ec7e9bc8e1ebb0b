using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Claims.Infrastructure;

namespace MaternityCloud.Claims.Application;

/// <summary>What operators do around settlements: review the intelligent audit's flags, record cross-region filings.</summary>
public sealed class OperatorHandlers(ServiceDatabase database, SettlementStore store, IEligibility eligibility, TimeProvider clock)
{
    private static readonly string[] FlagStates = ["open", "confirmed", "cleared", "all"];

    public async Task<IReadOnlyList<AuditFlagRecord>> ListFlagsAsync(string state, string institutionCode, int pageSize, CancellationToken ct)
    {
        var v = new Validator();
        var wanted = string.IsNullOrWhiteSpace(state) ? "open" : state.Trim();
        v.Check(FlagStates.Contains(wanted), "state", "must be open, confirmed, cleared or all");
        string? institution = string.IsNullOrWhiteSpace(institutionCode) ? null : v.InstitutionCode("institution_code", institutionCode);
        v.Check(pageSize is >= 0 and <= 500, "page_size", "must be from 1 to 500 (0 means 100)");
        v.ThrowIfInvalid();
        return await database.InTransactionAsync((tx, token) =>
            store.ListFlagsAsync(tx.Connection, wanted == "all" ? null : wanted, institution, pageSize == 0 ? 100 : pageSize, token), ct);
    }

    public async Task<AuditFlagRecord> ReviewFlagAsync(long flagId, string decision, string reviewer, string note, CancellationToken ct)
    {
        var v = new Validator();
        v.Check(flagId > 0, "flag_id", "is required");
        v.Check(decision is "confirmed" or "cleared", "decision", "must be confirmed (a real problem) or cleared");
        var who = v.Text("reviewer", reviewer);
        var why = v.Text("note", note, 500);
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await store.ReviewFlagAsync(connection, flagId, decision, who, why, clock.GetUtcNowForDatabase(), ct)
            ?? throw new NotFoundException("audit flag", flagId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<CrossRegionFilingRecord> FileCrossRegionAsync(
        string idNumber, string region, string destination, string validFrom, string validTo, string filedBy, CancellationToken ct)
    {
        var v = new Validator();
        var person = v.IdNumber("id_number", idNumber);
        var from = v.Date("valid_from", validFrom);
        var to = v.Date("valid_to", validTo);
        if (!v.HasErrorFor("valid_from") && !v.HasErrorFor("valid_to")) v.Check(to >= from, "valid_to", "must not be before valid_from");
        var place = (destination ?? "").Trim();
        v.Check(place.Length == 6 && place.All(char.IsAsciiDigit) && place != "000000", "destination", "must be a 6-digit division code of the place of treatment");
        var who = v.Text("filed_by", filedBy);
        v.StatedRegion("region", region);
        v.ThrowIfInvalid();
        // The filing is for the person's own pooling region, from the insurance record on its first day.
        var insuredIn = await Regions.OfPersonAsync(eligibility, person, from, ct);
        new Validator().Agrees("region", region, insuredIn, $"the person's pooling region on {from:yyyy-MM-dd}").ThrowIfInvalid();
        var filing = new CrossRegionFilingRecord(Guid.CreateVersion7(), person.Value, insuredIn, place, from, to, who);
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        await store.InsertFilingAsync(connection, filing, clock.GetUtcNowForDatabase(), ct);
        return filing;
    }
}
