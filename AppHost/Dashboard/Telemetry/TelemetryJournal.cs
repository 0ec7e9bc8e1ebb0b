using System.Buffers.Binary;
using Google.Protobuf;

namespace MaternityCloud.AppHost.Dashboard.Telemetry;

/// <summary>
/// The optional persistence: every accepted export request, as its OTLP bytes, appended to an hourly file
/// ("telemetry-yyyyMMddHH.otlp": kind byte, received-at unix ms, length, bytes). At start the files within the
/// retention are replayed through the same ingest; older files are deleted. A torn last record (a crash mid-write) ends
/// that file's replay and nothing else.
/// </summary>
public sealed class TelemetryJournal(string directory, TimeSpan retention, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private FileStream? _file;
    private string? _fileHour;

    public void Append(SignalKind kind, IMessage request)
    {
        var payload = request.ToByteArray();
        var header = new byte[13];
        header[0] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(1), time.GetUtcNow().ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(9), payload.Length);
        lock (_gate)
        {
            var file = Current();
            file.Write(header);
            file.Write(payload);
            file.Flush();
        }
    }

    private FileStream Current()
    {
        var hour = time.GetUtcNow().ToString("yyyyMMddHH");
        if (_file is not null && _fileHour == hour) return _file;
        _file?.Dispose();
        Directory.CreateDirectory(directory);
        _file = new FileStream(Path.Combine(directory, $"telemetry-{hour}.otlp"), FileMode.Append, FileAccess.Write, FileShare.Read);
        _fileHour = hour;
        return _file;
    }

    /// <summary>Replays what is within the retention into <paramref name="ingest"/>, deletes older files; returns the records replayed.</summary>
    public int Replay(OtlpIngest ingest)
    {
        if (!Directory.Exists(directory)) return 0;
        var cutoff = time.GetUtcNow() - retention;
        var replayed = 0;
        foreach (var path in Directory.GetFiles(directory, "telemetry-*.otlp").Order(StringComparer.Ordinal))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff.UtcDateTime)
            {
                File.Delete(path);
                continue;
            }
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var header = new byte[13];
            while (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length)
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(1)));
                var payload = new byte[BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(9))];
                if (file.ReadAtLeast(payload, payload.Length, throwOnEndOfStream: false) != payload.Length) break;
                if (at < cutoff) continue;
                try
                {
                    ingest.Accept((SignalKind)header[0], payload, replay: true);
                    replayed++;
                }
                catch (InvalidProtocolBufferException) { break; }
            }
        }
        return replayed;
    }

    public void Dispose()
    {
        lock (_gate) _file?.Dispose();
    }
}
