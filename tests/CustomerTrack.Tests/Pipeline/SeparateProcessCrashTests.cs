using CustomerTrack.Tests.Support;
using Xunit.Abstractions;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// generate and ingest as processes of their own beside run, sharing one workspace as the original's containers
/// share a volume, each killed (SIGKILL, whole tree) and restarted independently.
/// </summary>
public sealed class SeparateProcessCrashTests(ITestOutputHelper log)
{
    private static readonly string[] Generate =
        ["generate", "--files", "30", "--rows-per-file", "150", "--keys", "600", "--seed", "9", "--start", "2026-11-02T00:00:00Z", "--every", "150ms"];

    [Fact]
    public async Task Generate_ingest_and_run_killed_independently_give_the_tables_of_an_undisturbed_run()
    {
        using var reference = new TempWorkspace();
        Assert.Equal(0, (await CliRunner.RunAsync([.. Generate, "-w", reference.Dir])).Code);
        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "-w", reference.Dir)).Code);

        using var shared = new TempWorkspace();
        string[][] commands =
        [
            [.. Generate, "-w", shared.Dir],
            ["ingest", "-w", shared.Dir, "--set", "Ingest:MinFileAge=0ms", "--set", "Debug:StepDelay=50ms"],
            ["run", "-w", shared.Dir, "--set", "Ingest:MinFileAge=0ms", "--set", "Debug:StepDelay=50ms"],
        ];
        var names = new[] { "generate", "ingest", "run" };
        var processes = commands.Select(c => CliRunner.Start(c)).ToArray();
        var kills = new int[3];
        var random = new Random(5);
        try
        {
            for (var round = 0; round < 12; round++)
            {
                await Task.Delay(random.Next(300, 900));
                var victim = round < 3 ? round : random.Next(3);
                processes[victim].Kill(entireProcessTree: true);
                await processes[victim].WaitForExitAsync();
                processes[victim].Dispose();
                kills[victim]++;
                processes[victim] = CliRunner.Start(commands[victim]);
            }
        }
        finally
        {
            foreach (var p in processes)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
                p.Dispose();
            }
        }

        log.WriteLine($"kills: {string.Join(", ", names.Zip(kills, (n, k) => $"{n} {k}"))}");
        Assert.All(kills, k => Assert.True(k >= 3));

        // Finish: every file once more (a restarted generator starts again from its first file), then drain.
        Assert.Equal(0, (await CliRunner.RunAsync([.. Generate, "-w", shared.Dir])).Code);
        var finish = await CliRunner.RunAsync("run", "--once", "-w", shared.Dir);
        Assert.True(finish.Code == 0, finish.ToString());

        var expected = reference.Open();
        var actual = shared.Open();
        Assert.Equal(30, Db.Rows(expected, Db.RowsPerFile).Count);
        Assert.Equal(Db.Rows(expected, Db.RowsPerFile), Db.Rows(actual, Db.RowsPerFile));
        Assert.Equal(Db.Query(expected, Db.TablesFingerprint).Scalar, Db.Query(actual, Db.TablesFingerprint).Scalar);
        Assert.Empty(Directory.GetFiles(shared.Landing, "*.csv"));
    }
}
