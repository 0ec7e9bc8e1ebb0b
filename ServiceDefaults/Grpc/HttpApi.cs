using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi.Models;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The JSON API beside gRPC, for hospitals without a gRPC stack: every method annotated with google.api.http answers
/// JSON on the service's http endpoint with the same credential (Authorization: Bearer), the same checks and the same
/// errors (a google.rpc.Status with its details). Its OpenAPI document, written from the proto comments, is served at
/// /openapi/v1.json and browsable at /openapi.
/// </summary>
public static class HttpApiExtensions
{
    /// <summary>The details a refusal packs in Any: the JSON writer must know their types, or it fails writing the error.</summary>
    internal static readonly TypeRegistry ErrorDetails = TypeRegistry.FromMessages(Google.Rpc.BadRequest.Descriptor,
        Google.Rpc.PreconditionFailure.Descriptor, Google.Rpc.ErrorInfo.Descriptor, Google.Rpc.ResourceInfo.Descriptor);

    /// <summary>The OpenAPI document of the service's JSON API (the transcoding itself is in AddServiceDefaults).</summary>
    public static IServiceCollection AddHttpApiDocument(this IServiceCollection services, string title)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(c =>
        {
            c.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = title, Version = "v1",
                Description = "The JSON form of the gRPC API (same methods, same rules, same errors). Field names are the national " +
                    "medical-insurance interface's where one exists (certno, fixmedins_code, med_type, setl_id…); requests also accept the proto names. " +
                    "A refusal's google.rpc.BadRequest names fields by their proto names.",
            });
            var contracts = Path.Combine(AppContext.BaseDirectory, "MaternityCloud.Contracts.xml"); // the proto comments
            if (File.Exists(contracts))
            {
                c.IncludeXmlComments(contracts);
                c.IncludeGrpcXmlComments(contracts, includeControllerXmlComments: true);
            }
            c.CustomSchemaIds(t => t.FullName);
            c.AddSecurityDefinition("Bearer", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", In = ParameterLocation.Header, Name = "Authorization",
                Description = "The platform credential the fund centre issued to the institution",
            });
            c.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "Bearer" } }] = [],
            });
        });
        return services;
    }

    /// <summary>GET /openapi/v1.json (the document) and /openapi (a browser for it): public, they hold no one's data.</summary>
    public static WebApplication MapHttpApiDocument(this WebApplication app)
    {
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "openapi";
            o.SwaggerEndpoint("/openapi/v1.json", app.Environment.ApplicationName);
        });
        return app;
    }
}
