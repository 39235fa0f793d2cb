using System.Collections.Concurrent;
using System.Diagnostics;
using CustomerTrack.Tests.Support;
using Xunit.Abstractions;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// Kill -9 anywhere: the real <c>customertrack run</c> is killed (whole process tree, SIGKILL) again and again
/// inside ingest, load and task work, restarted each time, and finished with <c>run --once</c>. The tables and the
/// ledger rows per file must equal those of an undisturbed run of the same files.
/// </summary>
public sealed class CrashTests(ITestOutputHelper log)
{
    private const int Files = 480;

    [Fact]
    public async Task Killing_run_inside_every_stage_loses_nothing_and_loads_nothing_twice()
    {
        using var source = new TempWorkspace();
        // Enough files that the work does not run out before every stage has been hit, even when a loaded machine
        // lets each attempt get further before its kill lands.
        var made = await CliRunner.RunAsync("generate", "-w", source.Dir, "--files", $"{Files}", "--rows-per-file", "200",
            "--keys", "800", "--seed", "3", "--start", "2026-11-01T00:00:00Z");
        Assert.Equal(0, made.Code);
        var files = Directory.GetFiles(source.Landing, "*.csv");
        Assert.Equal(Files, files.Length);

        using var reference = new TempWorkspace();
        using var crashed = new TempWorkspace();
        foreach (var ws in new[] { reference, crashed })
        {
            ws.LandCopies(files);
        }

        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "-w", reference.Dir)).Code);

        var kills = new Dictionary<string, int> { ["ingest"] = 0, ["load"] = 0, ["tasks"] = 0 };
        var random = new Random(7);
        for (var attempt = 0; attempt < 30 && kills.Values.Any(k => k < 4); attempt++)
        {
            var aim = kills.Where(k => k.Value < 4).OrderBy(k => k.Value).First().Key;
            var (hit, sawWork) = await RunAndKillAsync(crashed.Dir, aim, TimeSpan.FromMilliseconds(random.Next(0, 150)));
            if (hit is not null)
            {
                kills[hit]++;
            }

            // Under load a start can be slow: only a workspace with nothing left to do ends the attempts early.
            if (!sawWork && !await WorkRemainsAsync(crashed))
            {
                break;
            }
        }

        log.WriteLine($"kills per stage: {string.Join(", ", kills.Select(k => $"{k.Key} {k.Value}"))}");
        Assert.All(kills, k => Assert.True(k.Value >= 3, $"only {k.Value} kill(s) landed in {k.Key}"));

        var finish = await CliRunner.RunAsync("run", "--once", "-w", crashed.Dir);
        Assert.True(finish.Code == 0, finish.ToString());

        var expected = reference.Open();
        var actual = crashed.Open();
        Assert.Equal(Files, Db.Rows(expected, Db.RowsPerFile).Count);
        Assert.Equal(Db.Rows(expected, Db.RowsPerFile), Db.Rows(actual, Db.RowsPerFile));
        Assert.Equal(Db.Query(expected, Db.TablesFingerprint).Scalar, Db.Query(actual, Db.TablesFingerprint).Scalar);
        Assert.Equal(0, Db.Count(actual, "SELECT count(*) FROM (SELECT file_name FROM load_history WHERE status NOT IN ('SKIPPED', 'LOAD_SKIPPED') GROUP BY file_name HAVING count(*) > 1)"));
    }

    /// <summary>Whether files wait in landing/ or the lake, or ledger rows wait for the task.</summary>
    private static async Task<bool> WorkRemainsAsync(TempWorkspace ws)
    {
        var status = await CliRunner.RunAsync("status", "--json", "-w", ws.Dir);
        if (status.Code != 0)
        {
            return true;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(status.Out);
        var root = doc.RootElement;
        return root.GetProperty("landing_pending").GetInt32() > 0 || root.GetProperty("lake_pending").GetInt64() > 0
            || root.GetProperty("stream_lag").GetInt64() > 0;
    }

    /// <summary>
    /// Starts run, waits for the aimed stage to pause in its critical window, and kills the whole tree at a random
    /// instant inside it. Returns the stage hit (null when the aim never paused) and whether any stage had work.
    /// </summary>
    private static async Task<(string? Hit, bool SawWork)> RunAndKillAsync(string dir, string aim, TimeSpan within)
    {
        using var process = CliRunner.Start("run", "-w", dir, "--verbose", "--set", "Debug:StepDelay=200ms", "--for", "60s",
            "--set", "Dashboard:Enabled=false");
        var paused = new BlockingCollection<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.Contains("pausing", StringComparison.Ordinal))
            {
                paused.Add(line.Contains("ingest:", StringComparison.Ordinal) ? "ingest"
                    : line.Contains("load:", StringComparison.Ordinal) ? "load" : "tasks");
            }
        };
        process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        var sawWork = false;
        string? hit = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(15) && !process.HasExited)
        {
            if (paused.TryTake(out var stage, 50))
            {
                sawWork = true;
                if (stage == aim)
                {
                    await Task.Delay(within);
                    hit = stage;
                    break;
                }
            }
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        return (hit, sawWork);
    }
}
