using MaternityCloud.BuildingBlocks.Credentials;
using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Operations;

/// <summary>
/// Operators sign in with a platform credential (the issuer's ES256 JWT naming an operator, a role and a site): the
/// AppHost prints an administrator's sign-in link at start, and `make issue-credential` issues others. A
/// browser signs in once at /login?t=CREDENTIAL (or types it into /login) and keeps it in an HttpOnly, SameSite=Strict
/// cookie; scripts send "Authorization: Bearer CREDENTIAL". Every operator may look; replaying a message is for
/// administrators, and each replay is logged with who did it.
/// </summary>
public static class OperatorSignIn
{
    public const string CookieName = "maternitycloud_operations";
    private const string OperatorKey = "maternitycloud.operator";

    public static Caller OperatorOf(HttpContext context) => (Caller)context.Items[OperatorKey]!;

    public static void UseOperatorSignIn(this WebApplication app, string issuerPublicKey)
    {
        var verifier = new CredentialVerifier(issuerPublicKey);
        app.Use(async (context, next) =>
        {
            if (IsPublic(context.Request.Path))
            {
                await next(context);
                return;
            }
            var presented = Bearer(context.Request.Headers.Authorization) ?? context.Request.Cookies[CookieName];
            var (caller, problem) = presented is null ? (null, "no credential") : await verifier.VerifyAsync(presented);
            if (caller is { Kind: CallerKind.Operator })
            {
                if (HttpMethods.IsGet(context.Request.Method) || caller.Role == OperatorRole.Administrator)
                {
                    context.Items[OperatorKey] = caller;
                    context.Items[CredentialKey] = presented;
                    await next(context);
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new { error = $"only an administrator may do this; you are signed in as {caller.Role}" });
                return;
            }
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new
                {
                    error = $"Sign in with an operator's credential ({problem ?? "not an operator's"}): /login?t=CREDENTIAL or Authorization: Bearer CREDENTIAL.",
                });
                return;
            }
            context.Response.Redirect("/login");
        });

        app.MapGet("/login", async (HttpContext context, string? t) =>
        {
            if (t is null) return Results.Content(LoginPage(false), "text/html; charset=utf-8");
            if (await verifier.VerifyAsync(t) is not ({ Kind: CallerKind.Operator }, _))
                return Results.Content(LoginPage(true), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            context.Response.Cookies.Append(CookieName, t, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            return Results.Redirect("/");
        });
    }

    /// <summary>
    /// The signed-in operator's own credential: calls made for them (the enrolment drive's personal data) carry it, so
    /// the service decides their access and audits the operator, not this app.
    /// </summary>
    public static string CredentialOf(HttpContext context) => (string)context.Items[CredentialKey]!;

    private const string CredentialKey = "operator-credential";

    // Probes are for the orchestrator; they reveal nothing but "up". /metrics is for a scraper: counts and timings by
    // route and status, nothing about any person.
    private static bool IsPublic(PathString path) =>
        path == "/login" || path == "/app.css" || path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") ||
        path.StartsWithSegments("/metrics");

    private static string? Bearer(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;

    private static string LoginPage(bool wrong) =>
        $$"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>MaternityCloud — sign in</title>
        <link rel="stylesheet" href="/app.css"></head><body class="login">
        <form method="get" action="/login" class="card">
          <h1>MaternityCloud operations</h1>
          <p>Paste your operator credential (the AppHost prints an administrator's sign-in link when it starts; <code>make issue-credential</code> issues others).</p>
          {{(wrong ? "<p class=\"error\" id=\"login-error\">That is not a valid operator credential of this platform.</p>" : "")}}
          <input name="t" id="token" type="password" autocomplete="off" placeholder="credential" autofocus>
          <button type="submit" id="sign-in">Sign in</button>
        </form></body></html>
        """;
}
