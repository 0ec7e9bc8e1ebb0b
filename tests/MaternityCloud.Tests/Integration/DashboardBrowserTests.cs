using System.Globalization;
using System.Text.Json;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Aspire.Hosting.Testing;
using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Hosting.Testing;
using MaternityCloud.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The operators' two windows, in headless Chromium (Debian's, driven by Playwright), on the platform the AppHost runs
/// with its Aspire dashboard: a hospital settles a childbirth; in the Aspire dashboard the operator sees every resource
/// running and the settlement's trace across Claims, Enrollment, Allowance and Notifications; in the operations app
/// the operator signs in with a platform credential and reads the day's direct settlements, which must match the
/// Claims database, with the Chinese labels rendered. Screenshots land in artifacts/dashboard/ at the repository root.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DashboardBrowserTests
{
    public static readonly string ScreenshotFolder = Path.Combine(MaternityCloud.Hosting.PlatformState.FindRepositoryRoot(), "artifacts", "dashboard");

    [Fact]
    public async Task An_operator_follows_a_settlement_through_its_trace_in_the_Aspire_dashboard_and_reads_todays_figures_in_operations()
    {
        var state = Path.Combine(Path.GetTempPath(), "maternitycloud-dashboard-" + Guid.NewGuid().ToString("N")[..8]);
        var apiKey = Guid.NewGuid().ToString("N");
        // Every trace kept, as an operator following one call sets it (make run keeps a tenth; TraceSamplingTests covers that).
        await using var platform = await RunningPlatform.StartAsync(state, dashboard: true,
            args: [$"--AppHost:DashboardApiKey={apiKey}", "--Telemetry:TraceSampleRatio=1"]);
        IPage? page = null;
        try
        {
            var issuer = TestCredentials.IssuedBy(IssuerKeyFile.Load(Path.Combine(state, "credentials", "issuer.key")));
            CallInvokerFor Channel = service => GrpcChannel.ForAddress(platform.Endpoint(service, "grpc")).Intercept(new TestCredentials.ActAsTheRequestSays(issuer));

            // A hospital settles a childbirth for an eligible employee with a phone number.
            var idNumber = await EligibleMotherAsync(new EnrollmentClient(Channel("enrollment")));
            var settlement = await new ClaimsClient(Channel("claims")).SettleAsync(ClaimsPlatform.Request(idNumber, "52", "1", "",
                ("331505001", "1800.00"), ("110900001", "60.00")));

            // Its trace, as the Aspire dashboard holds it, reaches Allowance and Notifications through RabbitMQ.
            var dashboard = new Uri((await platform.App.GetDashboardUrlAsync()).ToString());
            using var telemetry = new HttpClient { BaseAddress = new Uri(dashboard.GetLeftPart(UriPartial.Authority)) };
            telemetry.DefaultRequestHeaders.Add("X-API-Key", apiKey);
            var seen = "";
            var traceId = await Eventually.Get(async () =>
            {
                var services = await TraceServicesAsync(telemetry);
                seen = string.Join("; ", services.Select(t => $"{t.Key[..8]}: {string.Join(",", t.Value)}"));
                return services.FirstOrDefault(t => new[] { "claims", "enrollment", "allowance", "notifications" }.All(t.Value.Contains)).Key;
            }, TimeSpan.FromSeconds(90), "the settlement's trace through enrollment, allowance and notifications")
                .ContinueWith(t => t.IsFaulted ? throw new TimeoutException($"{t.Exception!.InnerException!.Message} Traces seen: {seen}") : t.Result);

            Directory.CreateDirectory(ScreenshotFolder);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath, Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });

            // The Aspire dashboard: signed in by the link the AppHost prints, every resource listed, the trace's waterfall.
            await page.GotoAsync(dashboard.ToString());
            await Assertions.Expect(page.GetByText("operations", new() { Exact = true }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Assertions.Expect(page.GetByText("claimsdb", new() { Exact = true }).First).ToBeVisibleAsync();
            await Screenshot(page, "1-aspire-resources");
            await page.GotoAsync(new Uri(dashboard, $"/traces/detail/{traceId}").ToString());
            foreach (var service in new[] { "claims", "enrollment", "allowance", "notifications" })
                await Assertions.Expect(page.GetByText(service, new() { Exact = true }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            Assert.DoesNotContain(idNumber, await page.ContentAsync()); // personal data masked in the spans
            await Screenshot(page, "2-aspire-trace");

            // The operations app: a stranger is sent to sign in, a wrong credential is refused, an auditor's opens it.
            var operations = platform.Endpoint("operations", "http").ToString().TrimEnd('/');
            await page.GotoAsync(operations + "/");
            Assert.EndsWith("/login", page.Url);
            await page.FillAsync("#token", "not-a-credential");
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            await page.FillAsync("#token", issuer(Caller.Operator("auditor-1", OperatorRole.FundAuditor, "fund-centre")));
            await page.ClickAsync("#sign-in");

            // The day's direct settlements on the page are the Claims database's.
            await Assertions.Expect(page.Locator("#direct-settlements")).Not.ToBeEmptyAsync(new() { Timeout = 30_000 });
            var shown = int.Parse(await page.InnerTextAsync("#direct-settlements"), CultureInfo.InvariantCulture);
            Assert.Equal(await SettledTodayAsync(platform), shown);
            Assert.Equal(1, shown);
            await Assertions.Expect(page.Locator("#direct-settlement-rate")).ToHaveTextAsync("100.00 %");
            await Assertions.Expect(page.Locator("[data-medical-type='52']")).ToContainTextAsync("1860.00");
            Assert.DoesNotContain(idNumber, await page.ContentAsync());
            // Chinese labels render as text: the CJK font is there, so a label is as wide as its glyphs, not as boxes.
            Assert.True(await page.EvaluateAsync<bool>("document.fonts.check('16px \"Noto Sans CJK SC\"', '直接结算率')"), "no CJK font for the Chinese labels");
            await Screenshot(page, "3-operations");
            Assert.NotEmpty(settlement.SettlementId);
        }
        catch (Exception) when (page is not null)
        {
            try { await Screenshot(page, "failure"); } // what the operator would have seen
            catch (PlaywrightException) { }
            throw;
        }
        finally
        {
            try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private delegate Grpc.Core.CallInvoker CallInvokerFor(string service);

    /// <summary>Each trace the dashboard holds, with the services its spans come from (its telemetry API answers OTLP JSON).</summary>
    private static async Task<Dictionary<string, HashSet<string>>> TraceServicesAsync(HttpClient telemetry)
    {
        using var json = JsonDocument.Parse(await telemetry.GetStringAsync("/api/telemetry/spans"));
        var traces = new Dictionary<string, HashSet<string>>();
        foreach (var resourceSpans in Array(json.RootElement, "resourceSpans"))
        {
            var service = Array(resourceSpans.GetProperty("resource"), "attributes")
                .Where(a => a.GetProperty("key").GetString() == "service.name")
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString()).FirstOrDefault() ?? "";
            foreach (var scope in Array(resourceSpans, "scopeSpans"))
                foreach (var span in Array(scope, "spans"))
                {
                    var traceId = span.GetProperty("traceId").GetString()!;
                    if (!traces.TryGetValue(traceId, out var services)) traces[traceId] = services = [];
                    services.Add(service);
                }
        }
        return traces;
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("data", out var data)) element = data;
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray() : [];
    }

    private static string ChromiumPath =>
        File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : throw new InvalidOperationException("Debian's chromium is not installed: `make setup` installs it (apt-get install chromium).");

    private static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });


    private static async Task<string> EligibleMotherAsync(EnrollmentClient enrollment)
    {
        var today = ClaimsPlatform.Today;
        var employer = await enrollment.RegisterEmployerAsync(new RegisterEmployerRequest
        {
            CreditCode = TestData.CreditCode(), Name = "温州市鹿城区示例服饰有限公司",
            CorporateAccount = new BankAccount { BankName = "中国农业银行温州分行", AccountNumber = "19200101040012345", AccountName = "温州市鹿城区示例服饰有限公司" },
        });
        await enrollment.SetEmployerWageAsync(new SetEmployerWageRequest { CreditCode = employer.CreditCode, Year = today.Year - 1, AverageMonthlyWage = "7200.00" });
        var person = await enrollment.RegisterInsuredPersonAsync(new RegisterInsuredPersonRequest
        {
            Region = "330300", IdNumber = TestData.IdNumber(), Name = "陈丽娟", Kind = InsuredKind.Employee, EmployerCreditCode = employer.CreditCode,
            InsuredFrom = ClaimsPlatform.Date(today.AddYears(-3)), MobilePhone = "13957712345",
        });
        await enrollment.RecordContributionsAsync(EnrollmentCalls.PaidMonths(person.IdNumber, 24, today, employer: employer.CreditCode));
        return person.IdNumber;
    }

    /// <summary>What the Claims database says: settlements standing, settled today in China time.</summary>
    private static async Task<int> SettledTodayAsync(RunningPlatform platform)
    {
        await using var connection = new NpgsqlConnection(await platform.ConnectionStringAsync("claimsdb"));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*)::int FROM settlement WHERE state = 'settled' AND (settled_at AT TIME ZONE 'Asia/Shanghai')::date = (now() AT TIME ZONE 'Asia/Shanghai')::date",
            connection);
        return (int)(await count.ExecuteScalarAsync())!;
    }
}
