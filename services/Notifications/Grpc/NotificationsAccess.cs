using MaternityCloud.ServiceDefaults.Security;
using static MaternityCloud.BuildingBlocks.Domain.AuditKind;
using static MaternityCloud.ServiceDefaults.Security.Callers;

namespace MaternityCloud.Notifications.Grpc;

/// <summary>Who may call each Notifications method. Preferences may also come from the official-account front (a service).</summary>
public static class NotificationsAccess
{
    public static readonly MethodAccessTable Rules = new(Contracts.Notifications.V1.Notifications.Descriptor.FullName)
    {
        ["GetRecipient"] = new(Operators, Read),
        ["GetContactPreferences"] = new MethodAccess(Operators, Read).AndServices(PlatformServices.OfficialAccount),
        ["SetContactPreferences"] = new MethodAccess(Clerks | Administrator, Change).AndServices(PlatformServices.OfficialAccount),
        ["ListMessages"] = new(Operators, Read),
        ["GetMessage"] = new(Operators, Read),
        ["ResendMessage"] = new(Operators, Change),
        ["ListTemplates"] = new(Operators),
        ["PublishTemplate"] = new(Administrator, Change),
        ["GetOperationsSummary"] = new MethodAccess(FundCentre).AndServices(PlatformServices.Operations),
    };
}
