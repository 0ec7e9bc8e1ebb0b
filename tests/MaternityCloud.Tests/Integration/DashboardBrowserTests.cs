using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Net.Client;
using MaternityCloud.AppHost.Dashboard.Telemetry;
using MaternityCloud.AppHost.Hosting;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;
using ClaimsClient = MaternityCloud.Contracts.Claims.V1.Claims.ClaimsClient;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// The dashboard as an operator uses it, in headless Chromium (Debian's, driven by Playwright): the AppHost runs the
/// whole platform, a hospital settles a childbirth, and the operator signs in with the printed token, finds the
/// settlement's trace and its waterfall across Claims, RabbitMQ, Allowance and Notifications, and reads the day's
/// direct settlements, which must match the Claims database. A screenshot of every page is saved under
/// artifacts/dashboard/ at the repository root.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DashboardBrowserTests
{
    public static readonly string ScreenshotFolder = Path.Combine(BuildLayout.RepositoryRoot, "artifacts", "dashboard");

    [Fact]
    public async Task An_operator_signs_in_follows_a_settlement_through_its_trace_and_reads_todays_figures()
    {
        var state = Path.Combine(Path.GetTempPath(), "maternitycloud-dashboard-" + Guid.NewGuid().ToString("N")[..8]);
        var output = new List<string>();
        using var apphost = AppHostProcess.Start(state, FreePorts.Take(1)[0], output);
        IPage? page = null;
        try
        {
            var (dashboard, token) = await AppHostProcess.SignInAsync(output);
            using (var stranger = new HttpClient())
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await stranger.GetAsync(dashboard + "/api/resources")).StatusCode); // nothing without the token
            using var api = AppHostProcess.DashboardApi(dashboard, token);
            var resources = await Eventually.Get(async () =>
            {
                var list = await api.GetFromJsonAsync<List<ResourceSnapshot>>("/api/resources");
                return list is { Count: > 0 } && list.All(r => r.Health == "Healthy") ? list : null;
            }, TimeSpan.FromMinutes(3), "every resource healthy");
            string Grpc(string name) => resources.Single(r => r.Name == name).Endpoints["grpc"];

            // A hospital settles a childbirth for an eligible employee with a phone number.
            var enrollmentChannel = AppHostProcess.ServiceChannel(state, Grpc("enrollment"));
            var claimsChannel = AppHostProcess.ServiceChannel(state, Grpc("claims"));
            var idNumber = await EligibleMotherAsync(new EnrollmentClient(enrollmentChannel));
            var settlement = await new ClaimsClient(claimsChannel).SettleAsync(ClaimsPlatform.Request(idNumber, "52", "1", "",
                ("331505001", "1800.00"), ("110900001", "60.00")));

            // Its trace reaches the allowance and the planned notification through RabbitMQ (and the gateway, out of quiet hours).
            var seen = "";
            var traceId = await Eventually.Get<string>(async () =>
            {
                var traces = await api.GetFromJsonAsync<List<TraceSummary>>("/api/traces?service=claims&text=Settle", Json);
                seen = string.Join("; ", traces!.Select(t => $"{t.Name}: {string.Join(",", t.Services)}"));
                var full = traces!.FirstOrDefault(t => t.Services.Contains("allowance") && t.Services.Contains("notifications")); // the gateway only in daytime: quiet hours defer the SMS
                return full?.TraceId;
            }, TimeSpan.FromSeconds(90), "the settlement's trace through allowance and notifications")
                .ContinueWith(t => t.IsFaulted ? throw new TimeoutException($"{t.Exception!.InnerException!.Message} Traces seen: {seen}") : t.Result);

            Directory.CreateDirectory(ScreenshotFolder);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath, Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });

            // Sign in: the page sends a stranger to /login, a wrong token is refused, the printed one opens the dashboard.
            await page.GotoAsync(dashboard + "/");
            Assert.EndsWith("/login", page.Url);
            await page.FillAsync("#token", "not-the-token");
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            await page.FillAsync("#token", token);
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#resource-claims")).ToContainTextAsync("Healthy");
            await Assertions.Expect(page.Locator("#resource-postgres")).ToContainTextAsync("Running");
            await Screenshot(page, "1-resources");

            await page.ClickAsync("[data-env='claims']");
            await Assertions.Expect(page.Locator("#env")).ToContainTextAsync("ConnectionStrings__claimsdb");
            Assert.DoesNotContain(await File.ReadAllTextAsync(Path.Combine(state, "postgres", "password")), await page.InnerTextAsync("#env"));

            await page.GotoAsync(dashboard + "/#/console/claims");
            await Assertions.Expect(page.Locator("#console")).ToContainTextAsync("Now listening on");
            await Screenshot(page, "2-console");

            await page.GotoAsync(dashboard + $"/#/logs?traceId={traceId}");
            await Assertions.Expect(page.Locator("#logs tbody tr").First).ToContainTextAsync(traceId[..8]);
            await Screenshot(page, "3-structured-logs");

            // The operator finds the settlement's trace by its method and opens the waterfall.
            await page.GotoAsync(dashboard + "/#/traces");
            await page.FillAsync("#trace-text", "Settle");
            await page.SelectOptionAsync("#trace-service", "claims");
            await page.ClickAsync("#trace-apply");
            await page.ClickAsync($"tr[data-trace='{traceId}']");
            await Assertions.Expect(page.Locator("#waterfall .span-row").First).ToContainTextAsync("claims");
            var waterfall = await page.InnerTextAsync("#waterfall");
            foreach (var service in new[] { "claims", "enrollment", "prenatal", "allowance", "notifications" })
                Assert.Contains(service + ":", waterfall);
            Assert.Contains("Settle", waterfall);
            Assert.DoesNotContain(idNumber, await page.ContentAsync()); // personal data masked
            await Screenshot(page, "4-trace-waterfall");

            await page.GotoAsync(dashboard + "/#/traces");
            await Assertions.Expect(page.Locator("#traces tbody tr").First).ToBeVisibleAsync();
            await Screenshot(page, "5-traces");

            await page.GotoAsync(dashboard + "/#/metrics?minutes=5");
            await Assertions.Expect(page.Locator("#methods")).ToContainTextAsync("Settle", new() { Timeout = 30_000 });
            await Screenshot(page, "6-metrics");

            // The day's direct settlements on the page are the Claims database's.
            await page.GotoAsync(dashboard + "/#/business");
            await Assertions.Expect(page.Locator("#direct-settlements")).Not.ToBeEmptyAsync();
            var shown = int.Parse(await page.InnerTextAsync("#direct-settlements"), CultureInfo.InvariantCulture);
            Assert.Equal(await SettledTodayAsync(state, resources), shown);
            Assert.Equal(1, shown);
            await Assertions.Expect(page.Locator("#direct-settlement-rate")).ToHaveTextAsync("100.00 %");
            await Assertions.Expect(page.Locator("[data-medical-type='52']")).ToContainTextAsync("1860.00");
            Assert.DoesNotContain(idNumber, await page.ContentAsync());
            await Screenshot(page, "7-business");
            Assert.NotEmpty(settlement.SettlementId);
        }
        catch (Exception e)
        {
            try { if (page is not null) await Screenshot(page, "failure"); } // what the operator would have seen
            catch (PlaywrightException) { }
            string[] lines;
            lock (output) lines = [.. output.TakeLast(40)];
            throw new Exception($"{e.Message}\nAppHost output:\n{string.Join('\n', lines)}", e);
        }
        finally
        {
            await AppHostProcess.CleanUpAsync(apphost, state);
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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
    private static async Task<int> SettledTodayAsync(string state, IReadOnlyList<ResourceSnapshot> resources)
    {
        var port = new Uri(resources.Single(r => r.Name == "postgres").Endpoints["tcp"]).Port;
        var password = (await File.ReadAllTextAsync(Path.Combine(state, "postgres", "password"))).Trim();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Password={password};Database=claimsdb");
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*)::int FROM settlement WHERE state = 'settled' AND (settled_at AT TIME ZONE 'Asia/Shanghai')::date = (now() AT TIME ZONE 'Asia/Shanghai')::date",
            connection);
        return (int)(await count.ExecuteScalarAsync())!;
    }
}
