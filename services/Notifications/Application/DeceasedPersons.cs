using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Notifications.Infrastructure;

namespace MaternityCloud.Notifications.Application;

/// <summary>
/// A death public security recorded: the person is sent nothing from then on (a reminder or an allowance notice to a
/// dead person's phone only hurts the family), and messages still queued for them are cancelled with the reason.
/// </summary>
public sealed partial class DeceasedPersons(TimeProvider clock, ILogger<DeceasedPersons> logger) : IIntegrationEventHandler<InsuredPersonDied>
{
    public const string Reason = "not sent: public security recorded the person's death";

    public async Task HandleAsync(InsuredPersonDied e, OutboxTransaction tx, CancellationToken ct)
    {
        var idNumber = e.IdNumber.Trim().ToUpperInvariant();
        await tx.LockAsync(PersonLock(idNumber), ct);
        await using (var insert = tx.Command(
            "INSERT INTO deceased_person (id_number, died_on, recorded_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            idNumber, e.DiedOn, clock.GetUtcNowForDatabase()))
        {
            if (await insert.ExecuteNonQueryAsync(ct) == 0) return;
        }
        await using var cancel = tx.Command(
            "UPDATE message SET state = 'Cancelled', last_error = $2, lease_until = NULL WHERE id_number = $1 AND state = 'Queued'",
            idNumber, Reason);
        LogCancelled(await cancel.ExecuteNonQueryAsync(ct));
    }

    /// <summary>
    /// Held by the death and by every notice planned for the person, so a notice planned while the death commits (two
    /// queues, any replica) is either seen by the death's cancellation or sees the death itself.
    /// </summary>
    public static string PersonLock(string idNumber) => "notifications:person:" + idNumber.Trim().ToUpperInvariant();

    public static async Task<bool> IsDeceasedAsync(Npgsql.NpgsqlConnection connection, string idNumber, CancellationToken ct)
    {
        await using var command = connection.Command("SELECT EXISTS (SELECT 1 FROM deceased_person WHERE id_number = $1)", idNumber);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A recipient's death was recorded: {Cancelled} queued message(s) cancelled")]
    private partial void LogCancelled(int cancelled);
}
