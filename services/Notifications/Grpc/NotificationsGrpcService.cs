using Grpc.Core;
using MaternityCloud.Contracts.Notifications.V1;
using MaternityCloud.Notifications.Application;

namespace MaternityCloud.Notifications.Grpc;

public sealed class NotificationsGrpcService(RecipientQueries recipients) : Contracts.Notifications.V1.Notifications.NotificationsBase
{
    public override async Task<Recipient> GetRecipient(GetRecipientRequest request, ServerCallContext context)
    {
        var view = await recipients.GetAsync(request.PersonId, context.CancellationToken);
        return new Recipient
        {
            PersonId = view.PersonId.ToString(),
            Name = view.Name,
            MaskedMobilePhone = view.MaskedMobilePhone ?? "",
            Kind = view.Kind,
            EmployerCreditCode = view.EmployerCreditCode ?? "",
            KnownSince = view.KnownSince.ToString("O"),
            Events =
            {
                view.Events.Select(e => new ReceivedEvent
                {
                    EventId = e.EventId.ToString(),
                    EventType = e.EventType,
                    OccurredAt = e.OccurredAt.ToString("O"),
                    ReceivedAt = e.ReceivedAt.ToString("O"),
                }),
            },
        };
    }
}
