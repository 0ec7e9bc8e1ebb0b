using System.Globalization;
using MaternityCloud.BuildingBlocks.Domain;
using MaternityCloud.BuildingBlocks.Messaging;
using MaternityCloud.BuildingBlocks.Policy;
using MaternityCloud.Contracts.Events;
using MaternityCloud.Notifications.Domain;
using MaternityCloud.Notifications.Infrastructure;
using static MaternityCloud.Notifications.Domain.ChineseFormat;
using Calendar = MaternityCloud.BuildingBlocks.Domain.Calendar;

namespace MaternityCloud.Notifications.Application;

/// <summary>
/// The business events a person should hear about, each turned into its notice: the allowance's approval (温馨提示),
/// payment, refusal with the reasons and its withdrawal after a reversed settlement; the newborn enrolment reminder and
/// confirmation; the prenatal registration with the policy link; a manual case accepted, rejected (with the reason and
/// the service point that took it in) and paid.
/// </summary>
public sealed class NoticeEvents(NoticePlanner planner) :
    IIntegrationEventHandler<AllowanceApproved>,
    IIntegrationEventHandler<AllowancePaid>,
    IIntegrationEventHandler<AllowanceRefused>,
    IIntegrationEventHandler<AllowanceCancelled>,
    IIntegrationEventHandler<AllowanceRecoveryOpened>,
    IIntegrationEventHandler<GuardianReminderDue>,
    IIntegrationEventHandler<NewbornEnrolled>,
    IIntegrationEventHandler<PrenatalRegistered>,
    IIntegrationEventHandler<ReimbursementCaseChanged>
{
    private NoticeTerms Terms => planner.Terms;

    public Task HandleAsync(AllowanceApproved e, OutboxTransaction tx, CancellationToken ct) =>
        UnlessWithdrawnAsync(tx, e, new Notice(NoticeKinds.AllowanceApproved, e.CaseId.ToString(), e.IdNumber, e.Region, new Dictionary<string, string>
        {
            ["eventKind"] = Terms.EventKind(e.EventKind),
            ["eventDate"] = Date(e.EventDate),
            ["days"] = e.Days.ToString(CultureInfo.InvariantCulture),
            ["dailyAmount"] = Yuan(e.DailyAmount),
            ["amount"] = Yuan(e.Amount),
            ["dueDate"] = Date(e.DueDate),
        }), ct);

    public Task HandleAsync(AllowancePaid e, OutboxTransaction tx, CancellationToken ct) =>
        UnlessWithdrawnAsync(tx, e, new Notice(NoticeKinds.AllowancePaid, e.CaseId.ToString(), e.IdNumber, e.Region, new Dictionary<string, string>
        {
            ["amount"] = Yuan(e.Amount),
            ["paidDate"] = Date(Calendar.DateInChina(e.OccurredAt)),
        }), ct);

    public Task HandleAsync(AllowanceRefused e, OutboxTransaction tx, CancellationToken ct) =>
        PlanAsync(tx, e, new Notice(NoticeKinds.AllowanceRefused, e.CaseId.ToString(), e.IdNumber, e.Region, new Dictionary<string, string>
        {
            ["eventKind"] = Terms.EventKind(e.EventKind),
            ["eventDate"] = Date(e.EventDate),
            ["reasons"] = Terms.RefusalReasons(e.ReasonCodes, e.OperatorReason),
        }), ct);

    public Task HandleAsync(AllowanceCancelled e, OutboxTransaction tx, CancellationToken ct) =>
        WithdrawAsync(tx, e, e.CaseId, e.IdNumber, e.Region, Terms.WithdrawnBeforePayment, ct);

    public Task HandleAsync(AllowanceRecoveryOpened e, OutboxTransaction tx, CancellationToken ct) =>
        WithdrawAsync(tx, e, e.CaseId, e.IdNumber, e.Region, Terms.WithdrawnAfterPayment, ct);

    public Task HandleAsync(GuardianReminderDue e, OutboxTransaction tx, CancellationToken ct) =>
        // A drive's reminder is another notice about the same birth: once per drive, however often its event arrives.
        PlanAsync(tx, e, new Notice(NoticeKinds.NewbornEnrolmentReminder,
            e.Round.Length == 0 ? e.BirthCertificateNumber : $"{e.BirthCertificateNumber}#{e.Round}", e.GuardianIdNumber, e.Region,
            new Dictionary<string, string>
            {
                ["newbornName"] = e.NewbornName,
                ["birthDate"] = Date(e.BirthDate),
                ["enrolBefore"] = Date(e.EnrolBefore),
            }, NameFromEvent: e.GuardianName, PhoneFromEvent: e.GuardianMobilePhone), ct);

    public Task HandleAsync(NewbornEnrolled e, OutboxTransaction tx, CancellationToken ct) =>
        PlanAsync(tx, e, new Notice(NoticeKinds.NewbornEnrolled, e.BirthCertificateNumber, e.GuardianIdNumber, e.Region,
            new Dictionary<string, string>
            {
                ["newbornName"] = e.NewbornName,
                ["coveredFrom"] = Date(e.CoveredFrom),
            }), ct);

    public Task HandleAsync(PrenatalRegistered e, OutboxTransaction tx, CancellationToken ct) =>
        PlanAsync(tx, e, new Notice(NoticeKinds.PrenatalRegistered, e.RegistrationId.ToString(), e.IdNumber, e.Region, new Dictionary<string, string>
        {
            ["expectedDeliveryDate"] = Date(e.ExpectedDeliveryDate),
            ["prenatalQuota"] = Yuan(e.PrenatalQuota),
        }), ct);

    /// <summary>Only the steps the applicant acts on: accepted (with the deadline), rejected (with the reason), paid.</summary>
    public bool Concerns(ReimbursementCaseChanged e) => CaseNoticeKind(e.To) is not null;

    public Task HandleAsync(ReimbursementCaseChanged e, OutboxTransaction tx, CancellationToken ct)
    {
        var point = planner.Parameters(e.Region).ServicePoint(e.Site);
        return PlanAsync(tx, e, new Notice(CaseNoticeKind(e.To)!, e.CaseId.ToString(), e.IdNumber, e.Region, new Dictionary<string, string>
        {
            ["item"] = Terms.Item(e.Item),
            ["claimedAmount"] = Yuan(e.ClaimedAmount),
            ["approvedAmount"] = Yuan(e.ApprovedAmount ?? 0m),
            ["reason"] = e.Reason.Trim(),
            ["servicePoint"] = point.Name,
            ["servicePointTelephone"] = point.Telephone,
            ["dueDate"] = Date(e.DueDate),
        }, PhoneFromEvent: e.ApplicantPhone), ct);
    }

    private static string? CaseNoticeKind(string state) => state switch
    {
        "Accepted" => NoticeKinds.ReimbursementAccepted,
        "Rejected" => NoticeKinds.ReimbursementRejected,
        "Paid" => NoticeKinds.ReimbursementPaid,
        _ => null,
    };

    /// <summary>
    /// An allowance's approval or payment, unless the case was withdrawn after it happened: events arrive in any order,
    /// and a withdrawal that came first means the approval before it is never announced (one made after it is).
    /// </summary>
    private async Task UnlessWithdrawnAsync(OutboxTransaction tx, IIntegrationEvent e, Notice notice, CancellationToken ct)
    {
        await MessageStore.LockSubjectAsync(tx, notice.Subject, ct);
        if (await MessageStore.WasWithdrawnAsync(tx.Connection, NoticeKinds.AllowanceApproved, notice.Subject, e.OccurredAt, ct)) return;
        await PlanAsync(tx, e, notice, ct);
    }

    /// <summary>
    /// A reversed settlement undid an approved allowance. The withdrawal is remembered (an approval arriving after it is
    /// never announced); a warm reminder still queued (quiet hours) is cancelled and the person hears nothing; one that
    /// went out is followed by a withdrawal, so nobody waits for money that will not come.
    /// </summary>
    private async Task WithdrawAsync(OutboxTransaction tx, IIntegrationEvent e, Guid caseId, string idNumber, string region, string reason, CancellationToken ct)
    {
        await MessageStore.LockSubjectAsync(tx, caseId.ToString(), ct);
        await MessageStore.WithdrawAsync(tx, NoticeKinds.AllowanceApproved, caseId.ToString(), reason, e.OccurredAt, ct);
        var announced = await MessageStore.AboutAsync(tx.Connection, NoticeKinds.AllowanceApproved, caseId.ToString(), ct);
        var queued = announced.Where(m => m.State == MessageState.Queued).Select(m => m.MessageId).ToList();
        if (queued.Count > 0) await MessageStore.CancelAsync(tx.Connection, queued, "withdrawn before it was sent: the settlement was reversed", ct);
        if (announced.Any(m => m.State == MessageState.Sending || m.State.ReachedGateway()))
            await PlanAsync(tx, e, new Notice(NoticeKinds.AllowanceWithdrawn, caseId.ToString(), idNumber, region,
                new Dictionary<string, string> { ["reason"] = reason }), ct);
    }

    private Task PlanAsync(OutboxTransaction tx, IIntegrationEvent e, Notice notice, CancellationToken ct) =>
        planner.PlanAsync(tx, notice, e.EventId, e.GetType().Name, ct);
}
