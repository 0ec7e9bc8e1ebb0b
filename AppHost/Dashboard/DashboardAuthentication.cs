using System.Security.Cryptography;
using System.Text;

namespace MaternityCloud.AppHost.Dashboard;

/// <summary>
/// Nothing on the dashboard's port is served without the token printed at start: a browser signs in once at
/// /login?t=TOKEN (or types it into /login) and gets an HttpOnly cookie; scripts send "Authorization: Bearer TOKEN".
/// The cookie holds an HMAC of the token, never the token itself.
/// </summary>
public static class DashboardAuthentication
{
    public const string CookieName = "maternitycloud_dashboard";

    public static void UseDashboardAuthentication(this WebApplication app, DashboardOptions options)
    {
        var session = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Token), "dashboard-session"u8));
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort != options.Port || IsPublic(context.Request.Path))
            {
                await next(context);
                return;
            }
            if (Matches(context.Request.Cookies[CookieName], session) || Matches(Bearer(context.Request.Headers.Authorization), options.Token))
            {
                await next(context);
                return;
            }
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { error = "Sign in with the token the AppHost printed at start (/login?t=TOKEN or Authorization: Bearer TOKEN)." });
                return;
            }
            context.Response.Redirect("/login");
        });

        app.MapGet("/login", (HttpContext context, string? t) =>
        {
            if (t is null) return Results.Content(LoginPage(false), "text/html; charset=utf-8");
            if (!Matches(t, options.Token)) return Results.Content(LoginPage(true), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            context.Response.Cookies.Append(CookieName, session, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            return Results.Redirect("/");
        }).RequireHost($"*:{options.Port}");
    }

    private static bool IsPublic(PathString path) => path == "/login" || path == "/app.css";

    private static string? Bearer(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;

    private static bool Matches(string? presented, string expected) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    private static string LoginPage(bool wrong) =>
        $$"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>MaternityCloud — sign in</title>
        <link rel="stylesheet" href="/app.css"></head><body class="login">
        <form method="get" action="/login" class="card">
          <h1>MaternityCloud operations</h1>
          <p>Paste the dashboard token the AppHost printed when it started.</p>
          {{(wrong ? "<p class=\"error\" id=\"login-error\">That token is not the one printed at start.</p>" : "")}}
          <input name="t" id="token" type="password" autocomplete="off" placeholder="token" autofocus>
          <button type="submit" id="sign-in">Sign in</button>
        </form></body></html>
        """;
}
