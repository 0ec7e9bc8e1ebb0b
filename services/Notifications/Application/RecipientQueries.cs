using MaternityCloud.BuildingBlocks.Domain;
using Npgsql;

namespace MaternityCloud.Notifications.Application;

public sealed record ReceivedEventView(Guid EventId, string EventType, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt);

public sealed record RecipientView(
    Guid PersonId, string Name, string? MaskedMobilePhone, string Kind, string? EmployerCreditCode, DateTimeOffset KnownSince,
    IReadOnlyList<ReceivedEventView> Events);

public sealed class RecipientQueries(NpgsqlDataSource dataSource)
{
    public async Task<RecipientView> GetAsync(string personIdText, CancellationToken ct)
    {
        var v = new Validator();
        var personId = v.Uuid("person_id", personIdText);
        v.ThrowIfInvalid();

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT name, mobile_phone, kind, employer_credit_code, known_since FROM recipient WHERE person_id = $1")
                    { Parameters = { new NpgsqlParameter { Value = personId } } },
                new NpgsqlBatchCommand("SELECT event_id, event_type, occurred_at, received_at FROM received_event WHERE person_id = $1 ORDER BY sequence")
                    { Parameters = { new NpgsqlParameter { Value = personId } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new NotFoundException("recipient", personIdText);
        var name = reader.GetString(0);
        var phone = reader.IsDBNull(1) ? null : PersonalData.MaskPhone(reader.GetString(1));
        var kind = reader.GetString(2);
        var employer = reader.IsDBNull(3) ? null : reader.GetString(3);
        var knownSince = reader.GetFieldValue<DateTimeOffset>(4);

        await reader.NextResultAsync(ct);
        var events = new List<ReceivedEventView>();
        while (await reader.ReadAsync(ct))
            events.Add(new ReceivedEventView(reader.GetGuid(0), reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return new RecipientView(personId, name, phone, kind, employer, knownSince, events);
    }
}
