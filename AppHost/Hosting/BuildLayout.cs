using System.Reflection;

namespace MaternityCloud.AppHost.Hosting;

/// <summary>Where the repository is and where its projects' build output lands (the AppHost's own configuration).</summary>
public static class BuildLayout
{
    private static readonly Dictionary<string, string> Metadata = typeof(BuildLayout).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value ?? "");

    public static string Configuration { get; } = Metadata.GetValueOrDefault("Configuration", "Debug");
    public static string TargetFramework { get; } = Metadata.GetValueOrDefault("TargetFramework", "net10.0");

    /// <summary>The folder holding MaternityCloud.sln, found above the running program or the current folder.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>bin/{Configuration}/{TargetFramework}/{assembly}.dll of a project folder.</summary>
    public static string AssemblyPath(string projectDirectory, string assemblyName) =>
        Path.Combine(projectDirectory, "bin", Configuration, TargetFramework, assemblyName + ".dll");

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MaternityCloud.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException("MaternityCloud.sln not found above the AppHost: run it from the repository.");
    }
}
