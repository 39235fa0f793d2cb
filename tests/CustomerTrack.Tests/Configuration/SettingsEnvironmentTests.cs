using CustomerTrack.Configuration;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Configuration;

[Collection("environment")]
public sealed class SettingsEnvironmentTests
{
    /// <summary>Sets an environment variable for the length of a test and restores what was there.</summary>
    private sealed class Variable : IDisposable
    {
        private readonly string _name;
        private readonly string? _before;

        public Variable(string name, string value)
        {
            _name = name;
            _before = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(_name, _before);
    }

    [Fact]
    public void Environment_variables_override_customertrack_json_and_flags_override_both()
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), """
            {
              "Load": { "OnError": "skip_file" },
              "Ingest": { "MaxInFlight": 2, "MinFileAge": "1s" },
              "Tasks": { "MaxBatchRows": 10 }
            }
            """);
        using var maxInFlight = new Variable("CUSTOMERTRACK__Ingest__MaxInFlight", "3");
        using var maxBatchRows = new Variable("CUSTOMERTRACK__Tasks__MaxBatchRows", "20");
        using var interval = new Variable("CUSTOMERTRACK__Tasks__Interval", "750ms");

        var settings = tmp.Open(new Dictionary<string, string?> { ["Tasks:MaxBatchRows"] = "30" }).Settings;

        Assert.Equal("skip_file", settings.Load.OnError);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Ingest.MinFileAge.Value);
        Assert.Equal(3, settings.Ingest.MaxInFlight);
        Assert.Equal(TimeSpan.FromMilliseconds(750), settings.Tasks.Interval.Value);
        Assert.Equal(30, settings.Tasks.MaxBatchRows);
    }

    [Fact]
    public void An_invalid_value_from_the_environment_fails_naming_the_setting_unless_a_flag_overrides_it()
    {
        using var tmp = new TempWorkspace();
        using var mode = new Variable("CUSTOMERTRACK__Scd__DeleteMode", "purge");

        var e = Assert.Throws<SettingsException>(() => tmp.Open());
        Assert.Equal("setting Scd:DeleteMode: 'purge' is not allowed; use one of close, tombstone-row", e.Message);

        Assert.Equal("tombstone-row", tmp.Open(new Dictionary<string, string?> { ["Scd:DeleteMode"] = "tombstone-row" }).Settings.Scd.DeleteMode);
    }
}
