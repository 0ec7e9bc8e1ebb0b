using System.Text.Json;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Enrollment.Domain;
using MaternityCloud.Enrollment.Infrastructure;

namespace MaternityCloud.Enrollment.Application;

/// <summary>An institution's record as the operator sent it (raw text).</summary>
public sealed record InstitutionRecord(
    string Code, string Name, string Region, int Level, string AgreementFrom, string AgreementTo,
    IReadOnlyList<(QualificationKind? Kind, string ValidFrom, string ValidTo)> Qualifications, bool CrossRegionSettlement);

/// <summary>
/// The designated-institution registry (定点医疗机构), kept by the fund centre: registered once, replaced as agreements
/// and qualifications change, every version kept with who changed it and why.
/// </summary>
public sealed partial class InstitutionHandlers(
    ServiceDatabase database, InstitutionRegistry registry, TimeProvider clock, ILogger<InstitutionHandlers> logger)
{
    public async Task<DesignatedInstitution> RegisterAsync(InstitutionRecord record, Caller by, CancellationToken ct)
    {
        var institution = Check(record, revision: 1);
        return await database.InTransactionAsync(async (tx, token) =>
        {
            if (await registry.SaveAsync(tx, institution, "registered", by.Id, token))
            {
                LogRegistered(institution.Code, institution.Region);
                return institution;
            }
            var existing = (await registry.FindStoredAsync(tx.Connection, institution.Code, token))!;
            return existing.SameRecordAs(institution)
                ? existing
                : throw new AlreadyExistsException("designated institution", institution.Code, "registered with a different record; update it instead");
        }, ct);
    }

    public async Task<DesignatedInstitution> UpdateAsync(InstitutionRecord record, string reasonText, Caller by, CancellationToken ct)
    {
        var v = new Validator();
        var reason = v.Text("reason", reasonText, 200);
        v.ThrowIfInvalid();
        var changed = Check(record, revision: 0);
        return await database.InTransactionAsync(async (tx, token) =>
        {
            var current = await registry.FindStoredAsync(tx.Connection, changed.Code, token, forUpdate: true)
                ?? throw new NotFoundException("designated institution", changed.Code);
            if (current.SameRecordAs(changed)) return current; // a repeated update changes nothing
            var next = changed with { Revision = current.Revision + 1 };
            await registry.SaveAsync(tx, next, reason, by.Id, token);
            LogUpdated(next.Code, next.Revision, reason);
            return next;
        }, ct);
    }

    public async Task<DesignatedInstitution> GetAsync(string code, CancellationToken ct)
    {
        var v = new Validator();
        var institution = v.InstitutionCode("institution_code", code);
        v.ThrowIfInvalid();
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await registry.FindStoredAsync(connection, institution, ct) ?? throw new NotFoundException("designated institution", institution);
    }

    public async Task<IReadOnlyList<DesignatedInstitution>> ListAsync(string region, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        return await registry.ListAsync(connection, string.IsNullOrWhiteSpace(region) ? null : region.Trim(), ct);
    }

    /// <summary>
    /// Registers the institutions of a seed file (a JSON array of records, as RegisterInstitution takes them) that are not
    /// registered yet: how a development platform starts with hospitals to settle at. A deployment registers its own.
    /// </summary>
    public async Task SeedAsync(string path, CancellationToken ct)
    {
        var records = JsonSerializer.Deserialize<List<SeedRecord>>(await File.ReadAllTextAsync(path, ct), new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? [];
        var seeder = Caller.Service("enrollment-seed");
        foreach (var r in records)
            await RegisterAsync(new InstitutionRecord(r.Code, r.Name, r.Region, r.Level, r.AgreementFrom, r.AgreementTo ?? "",
                r.Qualifications.Select(q => ((QualificationKind?)Enum.Parse<QualificationKind>(q.Kind, ignoreCase: true), q.ValidFrom, q.ValidTo ?? "")).ToList(),
                r.CrossRegionSettlement), seeder, ct);
        LogSeeded(records.Count, path);
    }

    private sealed record SeedQualification(string Kind, string ValidFrom, string? ValidTo);

    private sealed record SeedRecord(string Code, string Name, string Region, int Level, string AgreementFrom, string? AgreementTo,
        List<SeedQualification> Qualifications, bool CrossRegionSettlement);

    private DesignatedInstitution Check(InstitutionRecord r, long revision)
    {
        var v = new Validator();
        var code = v.InstitutionCode("institution.code", r.Code);
        var name = v.Text("institution.name", r.Name, 200);
        // The region it is designated in: the platform's own regions or another's (a hospital elsewhere that settles ours).
        var region = (r.Region ?? "").Trim();
        v.Check(region.Length == 6 && region.All(char.IsAsciiDigit), "institution.region", "must be a 6-digit pooling region code");
        v.Check(r.Level is >= 1 and <= 3, "institution.level", "must be 1, 2 or 3 (一级, 二级, 三级)");
        var from = v.Date("institution.agreement_from", r.AgreementFrom);
        DateOnly? to = string.IsNullOrWhiteSpace(r.AgreementTo) ? null : v.Date("institution.agreement_to", r.AgreementTo);
        if (to is { } end && !v.HasErrorFor("institution.agreement_from") && end < from)
            v.Add("institution.agreement_to", "must not be before agreement_from");
        var qualifications = new List<Qualification>();
        for (var i = 0; i < r.Qualifications.Count; i++)
        {
            var (kind, validFrom, validTo) = r.Qualifications[i];
            var field = $"institution.qualifications[{i}]";
            v.Check(kind is not null, field + ".kind", "must be maternity or family planning");
            var qFrom = v.Date(field + ".valid_from", validFrom);
            DateOnly? qTo = string.IsNullOrWhiteSpace(validTo) ? null : v.Date(field + ".valid_to", validTo);
            if (qTo is { } qEnd && !v.HasErrorFor(field + ".valid_from") && qEnd < qFrom) v.Add(field + ".valid_to", "must not be before valid_from");
            if (kind is { } k) qualifications.Add(new Qualification(k, qFrom, qTo));
        }
        v.ThrowIfInvalid();
        return new DesignatedInstitution(code, name, region, r.Level, from, to, qualifications, r.CrossRegionSettlement, revision,
            clock.GetUtcNowForDatabase());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Designated institution {Code} registered in region {Region}")]
    private partial void LogRegistered(string code, string region);

    [LoggerMessage(Level = LogLevel.Information, Message = "Designated institution {Code} updated to revision {Revision}: {Reason}")]
    private partial void LogUpdated(string code, long revision, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} designated institutions seeded from {Path}")]
    private partial void LogSeeded(int count, string path);
}

public static class InstitutionRegistryExtensions
{
    /// <summary>
    /// Loads the registry's in-memory copy before the service takes calls (seeding it first from
    /// <c>Enrollment:InstitutionSeed</c> where a development platform names a file) and reloads it every
    /// <c>Enrollment:RegistryRefresh</c> (5 s), so another replica's change is answered here within that time.
    /// </summary>
    public static IServiceCollection AddInstitutionRegistry(this IServiceCollection services, IConfiguration configuration) =>
        services.AddPeriodicReload("Institution registry", configuration.GetValue("Enrollment:RegistryRefresh", TimeSpan.FromSeconds(5)), sp =>
        {
            var registry = sp.GetRequiredService<InstitutionRegistry>();
            return (async ct =>
            {
                if (configuration["Enrollment:InstitutionSeed"] is { Length: > 0 } seed)
                {
                    await using var scope = sp.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<InstitutionHandlers>().SeedAsync(seed, ct);
                }
                await registry.ReloadAsync(ct);
            }, registry.ReloadAsync);
        });
}
