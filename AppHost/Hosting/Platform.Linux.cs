// The orchestrator relies on setsid, process groups, signals and /proc: it runs where the platform's servers run.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
