// The benchmarks run the platform's real servers through the AppHost's model, which is Linux-only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
