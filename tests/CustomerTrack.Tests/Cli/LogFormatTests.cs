using System.Text.Json;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>The log: a file in the workspace (rotated by Serilog), in text or, with --log-format json, one JSON object per line.</summary>
public sealed class LogFormatTests
{
    [Fact]
    public async Task Log_format_json_writes_one_json_object_per_line_to_the_file_and_to_stderr()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        // Its own process: the console logger writes to the process's stderr.
        using var run = CliRunner.Start("run", "--once", "--log-format", "json", "--verbose", "-w", tmp.Dir);
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = CliAssert.Lines(await run.StandardError.ReadToEndAsync());
        await run.WaitForExitAsync();
        Assert.True(run.ExitCode == 0, string.Join('\n', stderr) + await stdout);
        Assert.Contains(stderr, l => JsonDocument.Parse(l).RootElement.GetProperty("Category").GetString() == "CustomerTrack.Load");
        var file = File.ReadAllLines(Path.Combine(tmp.Dir, "logs", "customertrack.log"));
        Assert.NotEmpty(file);
        Assert.All(file, l => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(l).RootElement.ValueKind));
        Assert.Contains(file, l => l.Contains("first_", StringComparison.Ordinal) && l.Contains("\"SourceContext\":\"CustomerTrack.Load\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_text_log_names_time_level_process_and_stage()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir)).Code);
        var line = File.ReadAllLines(Path.Combine(tmp.Dir, "logs", "customertrack.log")).First(l => l.Contains("CustomerTrack.Load", StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO \[\d+\] CustomerTrack\.Load: load: \S+first_\S+ LOADED: 3 rows loaded, 0 rejected$", line);
    }
}
