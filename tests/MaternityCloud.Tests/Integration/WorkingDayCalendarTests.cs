using Google.Rpc;
using Grpc.Core;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Tests.Infrastructure;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>
/// Working-day calendars as data: an administrator loads a year as a versioned record, a bad document is refused with
/// every bad field, a repeat returns the stored version, a correction becomes the version in force and the old one is
/// kept, and the years not loaded are listed for operators.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class WorkingDayCalendarTests(TestServers servers) : IAsyncLifetime
{
    private ServiceHost<EnrollmentGrpcService> _host = null!;
    private EnrollmentClient _admin = null!;

    public async Task InitializeAsync()
    {
        _host = new ServiceHost<EnrollmentGrpcService>(await servers.CreateIsolationAsync("calendars", "enrollmentdb"));
        _admin = new EnrollmentClient(_host.Channel(TestCredentials.Administrator));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_year_is_loaded_as_versions_the_latest_in_force_and_missing_years_are_listed()
    {
        var thisYear = DateTime.Now.Year;
        var before = await _admin.ListWorkingDayCalendarsAsync(new ListWorkingDayCalendarsRequest());
        Assert.Contains(2026, before.Versions.Select(v => v.Year)); // shipped
        Assert.All(before.Versions, v => Assert.Equal("shipped", v.LoadedBy));
        var year = before.MissingYears.Count > 0 ? before.MissingYears[^1] : thisYear + 1;
        Assert.DoesNotContain(year, before.Versions.Select(v => v.Year));

        var bad = await Assert.ThrowsAsync<RpcException>(() => _admin.LoadWorkingDayCalendarAsync(new LoadWorkingDayCalendarRequest
        {
            Document = $$"""{ "year": {{year}}, "holidays": ["{{year}}-01-01", "{{year - 1}}-12-31", "soon"], "adjustedWorkingDays": ["{{year}}-01-01"] }""",
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        var fields = bad.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Equal(2, fields.Count(f => f.Field == "holidays"));   // another year's date, and one that is no date
        Assert.Contains(fields, f => f.Field == "adjustedWorkingDays"); // a holiday, and (unless it is a weekend) a weekday
        Assert.DoesNotContain(year, (await _admin.ListWorkingDayCalendarsAsync(new ListWorkingDayCalendarsRequest())).Versions.Select(v => v.Year));

        var document = $$"""{ "year": {{year}}, "holidays": ["{{year}}-01-01", "{{year}}-10-01"], "adjustedWorkingDays": [] }""";
        var first = await _admin.LoadWorkingDayCalendarAsync(new LoadWorkingDayCalendarRequest { Document = document });
        var again = await _admin.LoadWorkingDayCalendarAsync(new LoadWorkingDayCalendarRequest { Document = document });
        Assert.Equal(first.Version, again.Version);
        Assert.Equal("test-admin", first.LoadedBy); // from the credential

        var corrected = await _admin.LoadWorkingDayCalendarAsync(new LoadWorkingDayCalendarRequest
        {
            Document = $$"""{ "year": {{year}}, "holidays": ["{{year}}-01-01", "{{year}}-10-01", "{{year}}-10-02"], "adjustedWorkingDays": [] }""",
        });
        var after = await _admin.ListWorkingDayCalendarsAsync(new ListWorkingDayCalendarsRequest());
        var versions = after.Versions.Where(v => v.Year == year).ToList();
        Assert.Equal([(first.Version, false), (corrected.Version, true)], versions.Select(v => (v.Version, v.InForce)));
        Assert.Equal([$"{year}-01-01", $"{year}-10-01", $"{year}-10-02"], versions[1].Holidays);
        Assert.DoesNotContain(year, after.MissingYears);

        // Back to the first document: a version of its own, in force (not the old one silently kept).
        var reverted = await _admin.LoadWorkingDayCalendarAsync(new LoadWorkingDayCalendarRequest { Document = document });
        Assert.True(reverted.Version > corrected.Version);
        Assert.Equal(first.Holidays, reverted.Holidays);
        Assert.Equal([reverted.Version], (await _admin.ListWorkingDayCalendarsAsync(new ListWorkingDayCalendarsRequest())).Versions
            .Where(v => v.Year == year && v.InForce).Select(v => v.Version));

        var clerk = new EnrollmentClient(_host.Channel(MaternityCloud.BuildingBlocks.Domain.Caller.Operator("clerk-1",
            MaternityCloud.BuildingBlocks.Domain.OperatorRole.GrassrootsClerk, "wz-01")));
        var refused = await Assert.ThrowsAsync<RpcException>(() => clerk.LoadWorkingDayCalendarAsync(new LoadWorkingDayCalendarRequest { Document = document }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }
}
