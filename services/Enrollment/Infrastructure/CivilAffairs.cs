using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Persistence;
using MaternityCloud.Enrollment.Domain;
using Npgsql;

namespace MaternityCloud.Enrollment.Infrastructure;

/// <summary>
/// Civil affairs' marriage registrations (民政婚姻登记), as far as the fund may see them. The one seam between the
/// platform and that department: today it is fed by civil affairs' records (DepartmentExchange.RecordMarriage and
/// RecordMarriageDissolution); a direct query of the department's service would be another implementation of this interface.
/// </summary>
public interface IMarriageRegistry
{
    Task<MarriageRecord?> FindAsync(string certificateNumber, CancellationToken ct);
}

/// <summary>The marriage records received from civil affairs, kept in Enrollment's database.</summary>
public sealed class FedMarriageRegistry(NpgsqlDataSource dataSource) : IMarriageRegistry
{
    public async Task<MarriageRecord?> FindAsync(string certificateNumber, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await FindAsync(connection, certificateNumber, ct);
    }

    /// <summary>The registration with its dissolution, if civil affairs recorded one (whichever arrived first).</summary>
    public static async Task<MarriageRecord?> FindAsync(NpgsqlConnection connection, string certificateNumber, CancellationToken ct)
    {
        await using var command = connection.Command(
            """
            SELECT m.certificate_number, m.husband_id_number, m.wife_id_number, m.registered_on, d.dissolved_on
            FROM marriage_record m LEFT JOIN marriage_dissolution d USING (certificate_number) WHERE m.certificate_number = $1
            """, certificateNumber);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new MarriageRecord(reader.GetString(0), EnrollmentRepository.ParseId(reader.GetString(1)),
            EnrollmentRepository.ParseId(reader.GetString(2)), reader.GetFieldValue<DateOnly>(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateOnly>(4));
    }

    /// <summary>Records one registration; false when the certificate number was recorded before (nothing changes).</summary>
    public static async Task<bool> RecordAsync(OutboxTransaction tx, MarriageRecord record, CancellationToken ct)
    {
        await using var command = tx.Command(
            "INSERT INTO marriage_record (certificate_number, husband_id_number, wife_id_number, registered_on) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            record.CertificateNumber, record.HusbandIdNumber.Value, record.WifeIdNumber.Value, record.RegisteredOn);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }
}
