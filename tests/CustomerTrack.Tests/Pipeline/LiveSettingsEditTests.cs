using System.Diagnostics;
using CustomerTrack.Configuration;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// <c>customertrack.json</c> edited while <c>run</c> runs (README, failure model): the running process keeps the
/// definitions it started with, and says so once, as a warning, before the next file loads; that file loads with the
/// definitions in force (a column only the edit defines is dropped and named), and the files after it say nothing more.
/// </summary>
public sealed class LiveSettingsEditTests
{
    private const string Said = "customertrack.json changed while running; the change takes effect when the pipeline is restarted";

    [Fact]
    public async Task An_edit_under_a_running_pipeline_is_said_once_before_the_next_file_loads_with_the_definitions_it_started_with()
    {
        using var tmp = new TempWorkspace(Engine.DuckDb);
        var settings = Path.Combine(tmp.Dir, SettingsLoader.FileName);
        File.WriteAllText(settings, """{ "Tables": { "a": { "Key": ["id"], "Columns": { "id": "int64", "v": "string" } } } }""");
        using var run = CliRunner.StartWatched(["run", "--set", "Dashboard:Enabled=false", .. tmp.CliArgs()]);
        try
        {
            await LandAndWaitAsync(tmp, run, "first.csv", "id,v\n1,x\n");
            Assert.DoesNotContain(run.Stderr, l => l.Contains(Said, StringComparison.Ordinal));

            File.WriteAllText(settings, """{ "Tables": { "a": { "Key": ["id"], "Columns": { "id": "int64", "v": "string", "w": "string" } } } }""");
            await LandAndWaitAsync(tmp, run, "second.csv", "id,v,w\n2,y,z\n");
            await LandAndWaitAsync(tmp, run, "third.csv", "id,v,w\n3,y,z\n");

            await StopAsync(run);

            // Said on stderr as a warning, and in the log file in order with the loads.
            Assert.Single(run.Stderr, l => l.Contains(Said, StringComparison.Ordinal));
            var log = File.ReadAllLines(Path.Combine(tmp.Dir, "logs", "customertrack.log")).ToList();
            var said = Assert.Single(log, l => l.Contains(Said, StringComparison.Ordinal));
            int Loaded(string stem) => log.FindIndex(l => l.Contains("load: ", StringComparison.Ordinal) && l.Contains(stem, StringComparison.Ordinal)
                && l.Contains("LOADED", StringComparison.Ordinal));
            Assert.True(Loaded("first_") < log.IndexOf(said) && log.IndexOf(said) < Loaded("second_"), string.Join("\n", log));
        }
        finally
        {
            if (!run.Process.HasExited)
            {
                run.Process.Kill(entireProcessTree: true);
            }
        }

        var ws = tmp.Open();
        Assert.Equal(["first.csv|∅", "second.csv|w", "third.csv|w"],
            Db.Rows(ws, "SELECT file_name, unknown_columns FROM load_history ORDER BY file_name"));
        Assert.Equal(["1|x", "2|y", "3|y"], Db.Rows(ws, "SELECT id, v FROM a_raw ORDER BY id"));
    }

    /// <summary>Lands <paramref name="name"/> for table a and waits for the run's progress line to say it loaded.</summary>
    private static async Task LandAndWaitAsync(TempWorkspace tmp, WatchedProcess run, string name, string content)
    {
        var path = Path.Combine(tmp.Landing, "a", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-5));
        await CliRunner.WaitUntilAsync(
            () => run.Process.HasExited || run.Stdout.Any(l => l.Contains($"load  {name}  LOADED", StringComparison.Ordinal)),
            $"{name} to load", 60);
        Assert.False(run.Process.HasExited, string.Join("\n", run.Stderr));
    }

    private static async Task StopAsync(WatchedProcess run)
    {
        using (var kill = Process.Start("kill", ["-INT", run.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await run.Process.WaitForExitAsync(guard.Token);
        Assert.True(run.Process.ExitCode == 0, $"exit {run.Process.ExitCode}\n{string.Join("\n", run.Stderr)}");
    }
}
