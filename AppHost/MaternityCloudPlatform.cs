using MaternityCloud.AppHost.Hosting;

namespace MaternityCloud.AppHost;

/// <summary>
/// The whole platform, described the way an Aspire AppHost describes it: `make run` starts exactly this, and so does
/// the fault suite, so what survives the faults is what operators run. Ports are fixed defaults on loopback (below
/// 32768, clear of the kernel's ephemeral range); --dynamic-ports picks free ones instead.
/// </summary>
public static class MaternityCloudPlatform
{
    /// <returns>The platform's own processes (the five services and the local gateway), by name.</returns>
    public static IReadOnlyDictionary<string, ProjectResource> Describe(PlatformBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres", port: 17432);
        var redis = builder.AddRedis("redis", port: 17379);
        var messaging = builder.AddRabbitMQ("messaging", (Amqp: 17672, Management: 17673, Distribution: 17674, PortMapper: 17369));

        ProjectResource Service(string name, string directory, (int Grpc, int Http) ports)
        {
            var database = builder.AddDatabase(postgres, $"{name}db");
            return builder.AddProject(name, directory, ports)
                .WithReference(database).WaitFor(database)
                .WithReference(redis).WaitFor(redis)
                .WithReference(messaging).WaitFor(messaging);
        }

        var enrollment = WithDevelopmentInstitutions(Service("enrollment", "Enrollment", (Grpc: 17101, Http: 17102)), builder);
        var prenatal = Service("prenatal", "Prenatal", (Grpc: 17111, Http: 17112))
            .WithReference(enrollment);
        var claims = Service("claims", "Claims", (Grpc: 17121, Http: 17122))
            .WithReference(enrollment)
            .WithReference(prenatal);
        var allowance = Service("allowance", "Allowance", (Grpc: 17131, Http: 17132))
            .WithReference(enrollment);
        var notifications = Service("notifications", "Notifications", (Grpc: 17141, Http: 17142));

        // The SMS gateway and official-account API stand-in: Notifications sends through it, it reports receipts back, and
        // its /messages shows every message "sent". A real deployment points Notifications:Sms and :OfficialAccount elsewhere.
        var gateway = builder.AddProject("localgateway", "LocalGateway", (Grpc: 17151, Http: 17152))
            .WithReference(notifications);
        notifications.WithReference(gateway);

        return new[] { enrollment, prenatal, claims, allowance, notifications, gateway }.ToDictionary(p => p.Name);
    }

    /// <summary>A development platform starts with designated institutions to settle at; a deployment registers its own.</summary>
    public static ProjectResource WithDevelopmentInstitutions(ProjectResource enrollment, PlatformBuilder builder)
    {
        enrollment.Environment["Enrollment__InstitutionSeed"] = Path.Combine(builder.Context.RepositoryRoot, "AppHost", "Development", "institutions.json");
        return enrollment;
    }
}
