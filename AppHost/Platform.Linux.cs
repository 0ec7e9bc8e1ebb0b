// The platform runs where its servers run: Linux, from Debian packages.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
