using System.Globalization;
using System.Text;
using Grpc.Core;
using MaternityCloud.Cli;
using MaternityCloud.Contracts.Enrollment.V1;
using MaternityCloud.Enrollment.Grpc;
using MaternityCloud.Tests.Infrastructure;
using EnrollmentClient = MaternityCloud.Contracts.Enrollment.V1.Enrollment.EnrollmentClient;

namespace MaternityCloud.Tests.Integration;

/// <summary>The operators' CSV import of contributions: 100 thousand rows in one go, bad lines reported, all or nothing.</summary>
[Collection(ServersCollection.Name)]
public sealed class ContributionCsvImportTests(TestServers servers) : IAsyncLifetime
{
    private const int Persons = 1_000;
    private const int MonthsEach = 100;
    private ServiceHost<EnrollmentGrpcService> _host = null!;
    private EnrollmentClient _enrollment = null!;
    private Isolation _isolation = null!;
    private List<string> _idNumbers = null!;

    public async Task InitializeAsync()
    {
        _isolation = await servers.CreateIsolationAsync("csv", "enrollmentdb");
        _host = new ServiceHost<EnrollmentGrpcService>(_isolation);
        _enrollment = new EnrollmentClient(_host.Channel());
        await _enrollment.ListRegionPoliciesAsync(new ListRegionPoliciesRequest()); // the service has started and migrated
        // The persons are put in directly: this test is about the import, and 1,000 gRPC registrations would only add time.
        _idNumbers = Enumerable.Range(0, Persons).Select(i => TestData.IdNumber(new DateOnly(1990, 1, 1).AddDays(i))).ToList();
        await _isolation.SqlAsync("enrollmentdb",
            """
            WITH p AS (
                INSERT INTO insured_person (person_id, id_number, name, insured_from, birth_date)
                SELECT gen_random_uuid(), id, '测试', date '2015-01-01', to_date(substr(id, 7, 8), 'YYYYMMDD') FROM unnest($1::text[]) id
                RETURNING person_id)
            INSERT INTO insurance_period (person_id, valid_from, kind, covered_from, reason, region)
            SELECT person_id, date '2015-01-01', 'FlexibleWorker', date '2015-01-01', 'test', '330300' FROM p
            """, (object)_idNumbers.ToArray());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private byte[] Csv(Action<StringBuilder, int>? afterLine = null)
    {
        var thisMonth = new DateOnly(DateTime.Now.Year, DateTime.Now.Month, 1);
        var csv = new StringBuilder("id_number,month,employer_credit_code,paid_in_full_on_time,back_payment,amount\n");
        var line = 1;
        foreach (var id in _idNumbers)
            for (var m = 1; m <= MonthsEach; m++)
            {
                csv.Append(id).Append(',').Append(thisMonth.AddMonths(-m).ToString("yyyy-MM", CultureInfo.InvariantCulture))
                    .Append(",,是,否,").Append("645.00").Append('\n');
                afterLine?.Invoke(csv, ++line);
            }
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    [Fact]
    public async Task A_hundred_thousand_rows_are_stored_in_one_go_and_each_bad_line_is_reported_with_its_reason()
    {
        var csv = Csv((text, line) =>
        {
            if (line == 1_000) text.Append(_idNumbers[0]).Append(",2019-02,,maybe,否,645.00\n");
            if (line == 50_000) text.Append(_idNumbers[1]).Append(",2019-02,,是\n");
            if (line == 99_999) text.Append(TestData.IdNumber()).Append(",2019-02,,是,否,645.00\n");
        });
        var progress = new List<string>();

        var summary = await ContributionCsvImport.RunAsync(new MemoryStream(csv), _enrollment, progress.Add, CancellationToken.None);

        Assert.Equal(100_003, summary.Lines);
        Assert.Equal(100_000, summary.Stored);
        Assert.Equal(
            [
                (1_001, "paid_in_full_on_time", "must be true or false"),
                (50_002, "line", "has 4 columns, the header has 6"),
                (100_002, "id_number", "no insured person has this ID number: register the person first"),
            ],
            summary.Rejected);
        Assert.Equal(100_000L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM contribution"));
        Assert.Equal(64_500_000m, (decimal)(await _isolation.SqlAsync("enrollmentdb", "SELECT sum(amount) FROM contribution"))!);
        Assert.Contains("sent 100,000 rows", progress);
    }

    [Fact]
    public async Task An_import_interrupted_half_way_stores_nothing()
    {
        using var cancel = new CancellationTokenSource();
        var csv = Csv((_, line) => { if (line == 50_000) cancel.CancelAfter(0); });
        var stream = new MemoryStream(csv);

        // The file is read as it is sent; cancelling at the middle drops the stream with half the rows sent.
        await Assert.ThrowsAnyAsync<Exception>(() =>
            ContributionCsvImport.RunAsync(new CancellingStream(stream, cancel, csv.Length / 2), _enrollment, _ => { }, cancel.Token));

        await Task.Delay(500);
        Assert.Equal(0L, await _isolation.CountAsync("enrollmentdb", "SELECT count(*) FROM contribution"));
    }

    /// <summary>Cancels the import when the reader has consumed half the file, like an operator's Ctrl+C or a crash.</summary>
    private sealed class CancellingStream(Stream inner, CancellationTokenSource cancel, long at) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (inner.Position >= at) cancel.Cancel();
            return inner.Read(buffer, offset, count);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
