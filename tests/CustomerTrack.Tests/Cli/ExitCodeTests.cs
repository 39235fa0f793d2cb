using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// The exit codes a scheduler acts on, each from a real run on a real workspace: 0 everything loaded, 3 a file of the
/// run failed or lost rows (0 with --allow-rejects), 1 the pipeline failed, 2 the command line cannot be used.
/// </summary>
public sealed class ExitCodeTests
{
    private const string Good = "customer_id,first_name,updated_at\n1,Ada,2026-11-01T00:00:00Z\n2,Alan,2026-11-01T00:00:01Z\n";
    private const string OneBadRow = "customer_id,first_name,updated_at\n3,Grace,2026-11-01T00:00:02Z\nx,Bad,2026-11-01T00:00:03Z\n";
    private const string NoKeyColumn = "first_name,updated_at\nNobody,2026-11-01T00:00:04Z\n";

    /// <summary>A connection string nothing answers: a refusal must come before the bench connects.</summary>
    private const string NoServer = "Host=127.0.0.1;Port=1;Username=none;Database=none";

    public static TheoryData<string, string[], string[], int> Runs => new()
    {
        { "good files", [Good], ["run", "--once"], 0 },
        { "a rejected row", [Good, OneBadRow], ["run", "--once"], 3 },
        { "a LOAD_FAILED file", [Good, NoKeyColumn], ["run", "--once"], 3 },
        { "rejects allowed", [Good, OneBadRow, NoKeyColumn], ["run", "--once", "--allow-rejects"], 0 },
        { "a timed run with a rejected row", [OneBadRow], ["run", "--for", "1s"], 3 },
        { "an abort policy stopping the pipeline", [Good, OneBadRow], ["run", "--once", "--set", "Load:OnError=abort"], 1 },
        { "an unknown flag", [Good], ["run", "--onse"], 2 },
        { "an unknown command", [Good], ["rnu"], 2 },
        { "a duration it cannot read", [Good], ["run", "--for", "soon"], 2 },
        { "a setting value it does not allow", [Good], ["run", "--once", "--set", "Load:OnError=ignore"], 2 },
        { "a --set without a value", [Good], ["run", "--once", "--set", "Load:OnError"], 2 },
        { "a server bench on a folder lake", [], ["bench", "--quick", "--warehouse", "postgres", "--connection", NoServer, "--lake", "lake"], 2 },
        { "a server bench on a whole bucket", [], ["bench", "--quick", "--warehouse", "postgres", "--connection", NoServer, "--lake", "s3://bucket"], 2 },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Exit_code_tells_a_scheduler_what_happened(string what, string[] files, string[] command, int expected)
    {
        using var tmp = new TempWorkspace();
        for (var i = 0; i < files.Length; i++)
        {
            tmp.Land($"f{i}.csv", files[i]);
        }

        var result = await CliRunner.RunAsync([.. command, "-w", tmp.Dir]);
        Assert.True(result.Code == expected, $"{what}: expected exit {expected}, got {result}");
        if (expected == 2)
        {
            CliAssert.OneLineError(result);
        }
        else if (expected == 1)
        {
            CliAssert.FailedRun(result, "Load:OnError is abort");
        }
    }

    [Fact]
    public async Task Exit_code_3_counts_only_the_files_of_this_run()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("bad.csv", OneBadRow);
        Assert.Equal(3, (await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir)).Code);

        // The earlier file's rejects stay in load_rejects, but this run loaded only good files.
        tmp.Land("good.csv", Good);
        var again = await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir);
        Assert.Equal("run --once: 1 file(s) ingested, 1 processed, 1 task run(s) applying 2 row(s)", CliAssert.Summary(again));
    }

    [Fact]
    public async Task Summary_names_failed_files_and_rejected_rows()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("bad.csv", OneBadRow);
        tmp.Land("nokey.csv", NoKeyColumn);
        var result = await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir);
        Assert.Equal(3, result.Code);
        var lines = CliAssert.Lines(result.Out);
        Assert.Contains(lines, l => l.StartsWith("  load  bad.csv  PARTIALLY_LOADED  1 rows  1 rejects  ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  load  nokey.csv  LOAD_FAILED  0 rows  ", StringComparison.Ordinal));
        Assert.Equal("run --once: 2 file(s) ingested, 2 processed, 1 task run(s) applying 1 row(s); 1 file(s) LOAD_FAILED, 2 row(s) rejected "
            + "(see 'customertrack status --files')", lines[^1]);
    }

    [Fact]
    public async Task A_bare_command_prints_the_help_and_exits_0()
    {
        var result = await CliRunner.RunAsync();
        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("Commands:", result.Out, StringComparison.Ordinal);
        Assert.Contains("run", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quiet_prints_nothing_but_keeps_the_exit_code()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("bad.csv", OneBadRow);
        var result = await CliRunner.RunAsync("run", "--once", "--quiet", "-w", tmp.Dir);
        Assert.True(result.Code == 3 && result.Out.Length == 0, result.ToString());
    }
}
