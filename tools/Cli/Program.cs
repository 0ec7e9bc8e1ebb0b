using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Cli;
using MaternityCloud.Contracts.Enrollment.V1;

// maternitycloud import-contributions <file.csv> [--enrollment URL] [--credential C]
// maternitycloud issue-credential institution <code> | operator <id> <role> <site> | service <name> | department <code> <department> <region> [--days N] [--issuer-key FILE]
return args.FirstOrDefault() switch
{
    "import-contributions" when args.Length >= 2 => await ImportContributionsAsync(),
    "issue-credential" when args.Length >= 3 => await IssueCredentialAsync(),
    _ => Usage(),
};

int Usage()
{
    Console.Error.WriteLine("""
        usage: maternitycloud import-contributions <file.csv> [--enrollment <grpc address>] [--credential <credential>]
               maternitycloud issue-credential institution <code> [--days N] [--issuer-key FILE] [--enrollment <grpc address>]
               maternitycloud issue-credential operator <id> <GrassrootsClerk|ServiceStationClerk|FundAuditor|Administrator> <site> [...]
               maternitycloud issue-credential service <name> [...]
               maternitycloud issue-credential department <code> <CivilAffairs|HealthCommission|HumanResources|PublicSecurity|Justice> <region> [...]
        A credential comes from --credential, MATERNITYCLOUD_CREDENTIAL, or (development) is issued to an administrator
        from the AppHost's issuer key (.state/credentials/issuer.key, or --issuer-key). An institution's credential is
        issued only for an institution the registry holds with an agreement in force (asked of the running Enrollment).
        """);
    return 2;
}

async Task<int> IssueCredentialAsync()
{
    Caller? caller = args[1] switch
    {
        "institution" => Caller.Institution(args[2]),
        "service" => Caller.Service(args[2]),
        "department" when args.Length >= 5 && Enum.TryParse<Department>(args[3], ignoreCase: true, out var department) && Enum.IsDefined(department) =>
            Caller.OfDepartment(args[2], department, args[4]),
        "operator" when args.Length >= 5 && Enum.TryParse<OperatorRole>(args[3], ignoreCase: true, out var role) && Enum.IsDefined(role) =>
            Caller.Operator(args[2], role, args[4]),
        _ => null,
    };
    if (caller is null) return Usage();
    if (caller.Kind == CallerKind.Institution && await RegistryRefusesAsync(caller.Id) is { } refusal)
    {
        Console.Error.WriteLine($"no credential issued: {refusal}");
        return 4;
    }
    var days = double.Parse(Option("--days") ?? "90", System.Globalization.CultureInfo.InvariantCulture);
    using var key = IssuerKeyFile.Load(IssuerKeyPath());
    Console.WriteLine(PlatformCredentials.Issue(key, caller, TimeSpan.FromDays(days)));
    return 0;
}

/// <summary>Why the registry does not admit the institution today, or null when it holds it with an agreement in force.</summary>
async Task<string?> RegistryRefusesAsync(string code)
{
    using var channel = GrpcChannel.ForAddress(EnrollmentAddress());
    try
    {
        var institution = await EnrollmentClient(channel).GetInstitutionAsync(new GetInstitutionRequest { InstitutionCode = code });
        var today = DateOnly.FromDateTime(DateTime.Now).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return string.CompareOrdinal(institution.AgreementFrom, today) > 0 || institution.AgreementTo.Length > 0 && string.CompareOrdinal(institution.AgreementTo, today) < 0
            ? $"{code}'s agreement with the fund is not in force today ({institution.AgreementFrom} to {(institution.AgreementTo.Length > 0 ? institution.AgreementTo : "open")})"
            : null;
    }
    catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
    {
        return $"{code} is not in the designated-institution registry: the fund centre registers it first (RegisterInstitution)";
    }
    catch (RpcException e)
    {
        return $"the registry could not be asked at {EnrollmentAddress()} ({e.Status.StatusCode}): start the platform (make run) or give --enrollment";
    }
}

string EnrollmentAddress() =>
    Option("--enrollment") ?? Environment.GetEnvironmentVariable("services__enrollment__grpc__0") ?? "http://127.0.0.1:17101";

Enrollment.EnrollmentClient EnrollmentClient(GrpcChannel channel)
{
    var credential = Option("--credential") ?? Environment.GetEnvironmentVariable("MATERNITYCLOUD_CREDENTIAL") ?? DevelopmentAdministrator();
    return new Enrollment.EnrollmentClient(channel.Intercept(headers =>
    {
        headers.Add("authorization", "Bearer " + credential); // every call presents the credential
        return headers;
    }));
}

async Task<int> ImportContributionsAsync()
{
    using var channel = GrpcChannel.ForAddress(EnrollmentAddress(), new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
    var client = EnrollmentClient(channel);
    await using var file = File.OpenRead(args[1]);
    var started = DateTime.UtcNow;
    try
    {
        var summary = await ContributionCsvImport.RunAsync(file, client,
            message => Console.Error.WriteLine($"[{DateTime.UtcNow - started:mm\\:ss}] {message}"), CancellationToken.None);

        Console.WriteLine($"{summary.Lines:N0} data lines, {summary.Stored:N0} stored, {summary.Rejected.Count:N0} rejected");
        var report = args[1] + ".rejected.csv";
        if (summary.Rejected.Count > 0)
        {
            await File.WriteAllLinesAsync(report, ["line,field,reason", .. summary.Rejected.Select(r => $"{r.Line},{r.Field},\"{r.Reason.Replace("\"", "\"\"")}\"")]);
            foreach (var (line, field, reason) in summary.Rejected.Take(20)) Console.WriteLine($"  line {line}: {field} {reason}");
            if (summary.Rejected.Count > 20) Console.WriteLine($"  ... and {summary.Rejected.Count - 20} more");
            Console.WriteLine($"every rejected line: {report}");
        }
        return summary.Rejected.Count == 0 ? 0 : 1;
    }
    catch (Exception e) when (e is RpcException or FormatException or IOException)
    {
        Console.Error.WriteLine($"import failed, nothing was stored: {e.Message}");
        return 3;
    }
}

string DevelopmentAdministrator()
{
    using var key = IssuerKeyFile.Load(IssuerKeyPath());
    return PlatformCredentials.Issue(key, Caller.Operator(Environment.UserName + "@cli", OperatorRole.Administrator, "fund-centre"), TimeSpan.FromHours(8));
}

string IssuerKeyPath() => Option("--issuer-key") ?? Environment.GetEnvironmentVariable("Auth__IssuerKeyFile") ?? Path.Combine(".state", "credentials", "issuer.key");

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
