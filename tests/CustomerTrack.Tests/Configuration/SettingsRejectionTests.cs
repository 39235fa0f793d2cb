using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Configuration;

/// <summary>
/// Settings the binder used to ignore or that ended in an internal error: each stops start-up with one line naming
/// the setting and what it allows. Through the real command line, from customertrack.json and from flags.
/// </summary>
public sealed class SettingsRejectionTests
{
    [Theory]
    [InlineData("""{ "Load": { "OnError": ["abort"] } }""", "setting Load:OnError: takes one value")]
    [InlineData("""{ "Load": { "MaxFieldBytes": { "value": 5 } } }""", "setting Load:MaxFieldBytes: takes one value")]
    [InlineData("""{ "Scd": { "TrackHistoryExcept": "city" } }""", "setting Scd:TrackHistoryExcept: takes a list")]
    [InlineData("""{ "Scd": { "TrackHistoryExcept": { "a": "city" } } }""", "setting Scd:TrackHistoryExcept: takes a list, not a section")]
    [InlineData("""{ "Lod": { "OnError": "abort" } }""", "setting Lod: is not a setting; sections are Ingest, Load,")]
    [InlineData("""{ "Load": { "OnErorr": "abort" } }""", "setting Load:OnErorr: is not a setting; keys here are Load:OnError,")]
    [InlineData("""{ "Load": "abort" }""", "setting Load: is a section, not a value")]
    [InlineData("""{ "Lake": { "S3": { "Bucket": "x" } } }""", "setting Lake:S3:Bucket: is not a setting")]
    public async Task A_settings_file_of_the_wrong_shape_stops_start_up_naming_the_setting(string json, string message)
    {
        using var tmp = new TempWorkspace();
        await File.WriteAllTextAsync(Path.Combine(tmp.Dir, "customertrack.json"), json);
        CliAssert.OneLineError(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir), message);
    }

    [Theory]
    [InlineData(new[] { "--set", "Ingest:PollInterval=0ms" }, "setting Ingest:PollInterval: 0ms is too short; it allows 10ms or more")]
    [InlineData(new[] { "--set", "Load:PollInterval=0ms" }, "setting Load:PollInterval: 0ms is too short")]
    [InlineData(new[] { "--set", "Tasks:Interval=1ms" }, "setting Tasks:Interval: 1ms is too short")]
    [InlineData(new[] { "--set", "Dashboard:FreshnessTarget=0s" }, "setting Dashboard:FreshnessTarget: 0ms is not a target")]
    [InlineData(new[] { "--set", "Lod:OnError=abort" }, "setting Lod: is not a setting")]
    [InlineData(new[] { "--set", "Scd:TrackHistoryExcept=city" }, "setting Scd:TrackHistoryExcept: takes a list, e.g. [\"city\"] in JSON or Scd:TrackHistoryExcept:0=city as a flag")]
    [InlineData(new[] { "--lake", "" }, "setting Lake:Uri: is empty")]
    [InlineData(new[] { "--lake", "." }, "setting Lake:Uri: '.' is", "which holds the workspace")]
    [InlineData(new[] { "--lake", ".." }, "setting Lake:Uri: '..' is", "which holds the workspace")]
    [InlineData(new[] { "--lake", "landing/lake" }, "setting Lake:Uri: 'landing/lake' is")]
    [InlineData(new[] { "--lake", "ftp://host/lake" }, "setting Lake:Uri: 'ftp://host/lake' has the scheme ftp://")]
    [InlineData(new[] { "--lake", "file:///tmp/lake" }, "setting Lake:Uri: 'file:///tmp/lake' has the scheme file://")]
    [InlineData(new[] { "--lake", "s3://bucket/p", "--s3-endpoint", "not a url" }, "setting Lake:S3:ServiceUrl: 'not a url' is not an http:// or https:// address")]
    [InlineData(new[] { "--warehouse", "postgres", "--connection", "Host=" }, "setting Warehouse:ConnectionString: names no Host")]
    [InlineData(new[] { "--warehouse", "postgres", "--connection", "Port=5432;Database=x" }, "setting Warehouse:ConnectionString: names no Host")]
    public async Task A_flag_outside_what_its_setting_allows_stops_start_up_naming_the_setting(string[] flags, params string[] message)
    {
        using var tmp = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync(["run", "--once", "-w", tmp.Dir, .. flags]), message);
        Assert.False(File.Exists(Path.Combine(tmp.Dir, "warehouse.duckdb")), "start-up went on");
    }

    [Fact]
    public async Task An_empty_workspace_name_is_a_one_line_error()
    {
        CliAssert.OneLineError(await CliRunner.RunAsync("status", "-w", ""), "--workspace is empty");
    }
}
