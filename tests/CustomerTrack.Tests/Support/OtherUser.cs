using System.Diagnostics;

namespace CustomerTrack.Tests.Support;

/// <summary>A second, unprivileged account on this machine (the tests run as root, as test.sh does), made on first use.</summary>
internal static class OtherUser
{
    public const string Name = "ct-reader";

    public static void Ensure()
    {
        if (Run("id", "-u", Name).Code != 0)
        {
            var added = Run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", Name);
            Assert.True(added.Code == 0 || Run("id", "-u", Name).Code == 0, added.ToString());
        }
    }

    /// <summary>Runs a command as <see cref="Name"/>.</summary>
    public static Task<CliResult> RunAsync(params string[] command) => Task.Run(() =>
        Run("runuser", ["-u", Name, "--", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "DOTNET_NOLOGO=1", .. command]));

    /// <summary>The CLI, run as <see cref="Name"/>.</summary>
    public static Task<CliResult> CliAsync(params string[] args) =>
        RunAsync(["dotnet", Path.Combine(AppContext.BaseDirectory, "CustomerTrack.Cli.dll"), .. args]);

    public static CliResult Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return new CliResult(p.ExitCode, output.Result, error.Result);
    }
}
