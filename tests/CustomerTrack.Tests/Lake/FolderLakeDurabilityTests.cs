using System.Diagnostics;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Lake;

/// <summary>
/// A rename is durable only once its folder is synced. Ingest removes a landing file after the lake holds it, so the
/// lake's folders must be synced first, or a power cut could lose both names. Watched from outside: the system calls
/// of <c>ingest --once</c> under strace (installed by test.sh), in the order they ran.
/// </summary>
public sealed partial class FolderLakeDurabilityTests
{
    [Fact]
    public async Task Ingest_syncs_the_lake_folder_and_every_folder_it_made_before_removing_the_landing_file()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("a.csv", "customer_id,first_name,updated_at\n1,Ada,2026-11-01T00:00:00Z\n");
        var trace = Path.Combine(tmp.Dir, "ingest.strace");
        var dll = Path.Combine(AppContext.BaseDirectory, "CustomerTrack.Cli.dll");
        var info = new ProcessStartInfo("strace", ["-f", "-e", "trace=openat,fsync,rename,renameat,renameat2,unlink,unlinkat", "-o", trace,
            "dotnet", dll, "ingest", "--once", "-w", tmp.Dir])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = Process.Start(info)!)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await stderr);
        }

        var calls = File.ReadAllLines(trace).Select(l => Regex.Replace(l, @"^\d+\s+", "")).ToList();
        var lake = Path.Combine(tmp.Dir, "lake");
        var renamed = calls.FindIndex(c => c.StartsWith("rename", StringComparison.Ordinal) && c.Contains(lake + "/2", StringComparison.Ordinal));
        Assert.True(renamed >= 0, "no rename into the lake:\n" + string.Join('\n', calls.TakeLast(40)));
        var target = FirstQuoted(calls[renamed].Split(", ")[^1]);
        var removed = calls.FindIndex(renamed, c => c.StartsWith("unlink", StringComparison.Ordinal) && c.Contains(Path.Combine(tmp.Landing, "a.csv"), StringComparison.Ordinal));
        Assert.True(removed > renamed, "the landing file was not removed after the rename");

        // Every folder from the object's up to the lake root (all were made by this ingest) is opened and synced
        // between the rename and the removal.
        var between = calls[renamed..removed];
        for (var dir = Path.GetDirectoryName(target)!; dir.Length >= lake.Length; dir = Path.GetDirectoryName(dir)!)
        {
            var opened = between.FindIndex(c => c.StartsWith("openat", StringComparison.Ordinal) && c.Contains($"\"{dir}\"", StringComparison.Ordinal)
                && c.Contains("O_DIRECTORY", StringComparison.Ordinal));
            Assert.True(opened >= 0, $"{dir} was not opened to be synced:\n" + string.Join('\n', between));
            var fd = Regex.Match(between[opened], @"= (\d+)$").Groups[1].Value;
            Assert.Contains(between.Skip(opened), c => Regex.IsMatch(c, $@"^fsync\({fd}\)\s+= 0$"));
        }
    }

    private static string FirstQuoted(string text) => QuotedRegex().Match(text).Groups[1].Value;

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex QuotedRegex();
}
