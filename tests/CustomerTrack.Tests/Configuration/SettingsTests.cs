using CustomerTrack.Configuration;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Configuration;

public sealed class SettingsTests
{
    private static Workspace Open(TempWorkspace tmp, string? json = null, Dictionary<string, string?>? flags = null)
    {
        if (json is not null)
        {
            File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), json);
        }

        return tmp.Open(flags);
    }

    [Fact]
    public void Without_a_settings_file_the_defaults_apply()
    {
        using var tmp = new TempWorkspace();
        var settings = Open(tmp).Settings;

        Assert.Equal("continue", settings.Load.OnError);
        Assert.Equal("close", settings.Scd.DeleteMode);
        Assert.Empty(settings.Scd.TrackHistoryExcept);
        Assert.Equal(TimeSpan.FromMilliseconds(200), settings.Ingest.MinFileAge.Value);
        Assert.Equal(4, settings.Ingest.MaxInFlight);
    }

    [Fact]
    public void Settings_come_from_customertrack_json_and_flags_override_them()
    {
        using var tmp = new TempWorkspace();
        var settings = Open(tmp, """
            {
              "Load": { "OnError": "skip_file", "MaxFieldBytes": 4096 },
              "Ingest": { "MaxInFlight": 2, "MinFileAge": "1s" },
              "Scd": { "TrackHistoryExcept": [ "email", "street" ], "DeleteMode": "tombstone-row" }
            }
            """, new() { ["Ingest:MaxInFlight"] = "7", ["Load:OnError"] = "abort" }).Settings;

        Assert.Equal("abort", settings.Load.OnError);
        Assert.Equal(7, settings.Ingest.MaxInFlight);
        Assert.Equal(4096, settings.Load.MaxFieldBytes);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Ingest.MinFileAge.Value);
        Assert.Equal(["email", "street"], settings.Scd.TrackHistoryExcept);
        Assert.Equal("tombstone-row", settings.Scd.DeleteMode);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("20s", 20_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1d", 86_400_000)]
    [InlineData(" 20S ", 20_000)]
    public void Durations_are_written_like_500ms_20s_or_5m(string text, int milliseconds)
    {
        using var tmp = new TempWorkspace();
        var fromFlag = Open(tmp, flags: new() { ["Ingest:MinFileAge"] = text }).Settings;
        var fromFile = Open(tmp, $$"""{ "Tasks": { "Interval": "{{text}}" } }""").Settings;

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), fromFlag.Ingest.MinFileAge.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), fromFile.Tasks.Interval.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Duration.Parse(text).Value);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("5 minutes")]
    [InlineData("-1s")]
    [InlineData("soon")]
    public void A_value_that_is_not_a_duration_fails_naming_the_setting_and_how_to_write_one(string text)
    {
        using var tmp = new TempWorkspace();
        var e = Assert.ThrowsAny<CustomerTrackException>(() => Open(tmp, flags: new() { ["Ingest:MinFileAge"] = text }));

        Assert.Contains("Ingest:MinFileAge", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("500ms, 20s, 5m or 2h", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_setting_that_is_not_a_number_fails_naming_the_setting()
    {
        using var tmp = new TempWorkspace();
        var notNumber = Assert.ThrowsAny<CustomerTrackException>(() => Open(tmp, flags: new() { ["Ingest:MaxInFlight"] = "lots" }));
        var notPositive = Assert.Throws<SettingsException>(() => Open(tmp, flags: new() { ["Ingest:MaxInFlight"] = "0" }));

        Assert.Contains("Ingest:MaxInFlight", notNumber.Message, StringComparison.Ordinal);
        Assert.Contains("lots", notNumber.Message, StringComparison.Ordinal);
        Assert.Equal("setting Ingest:MaxInFlight: 0 must be a positive number", notPositive.Message);
    }

    [Theory]
    [InlineData("ignore")]
    [InlineData("CONTINUE")]
    [InlineData("")]
    public void A_load_error_policy_outside_the_allowed_values_fails_naming_the_setting_and_the_choices(string value)
    {
        using var tmp = new TempWorkspace();
        var e = Assert.Throws<SettingsException>(() => Open(tmp, flags: new() { ["Load:OnError"] = value }));

        Assert.Equal("Load:OnError", e.Setting);
        Assert.Equal($"setting Load:OnError: '{value}' is not allowed; use one of continue, skip_file, abort", e.Message);
    }

    [Fact]
    public void A_delete_mode_outside_the_allowed_values_fails_naming_the_setting_and_the_choices()
    {
        using var tmp = new TempWorkspace();
        var e = Assert.Throws<SettingsException>(() => Open(tmp, """{ "Scd": { "DeleteMode": "purge" } }"""));

        Assert.Equal("Scd:DeleteMode", e.Setting);
        Assert.Equal("setting Scd:DeleteMode: 'purge' is not allowed; use one of close, tombstone-row", e.Message);
    }

    [Theory]
    [InlineData("phone")]
    [InlineData("customer_id")]
    [InlineData("updated_at")]
    public void Track_history_except_naming_something_other_than_an_attribute_fails_naming_the_setting_and_the_attributes(string name)
    {
        using var tmp = new TempWorkspace();
        var e = Assert.Throws<SettingsException>(() => Open(tmp, $$"""{ "Scd": { "TrackHistoryExcept": [ "email", "{{name}}" ] } }"""));

        Assert.Equal("Scd:TrackHistoryExcept", e.Setting);
        Assert.Equal(
            $"setting Scd:TrackHistoryExcept: '{name}' is not allowed; use one of first_name, last_name, email, street, city, state, country",
            e.Message);
    }

    [Fact]
    public void A_settings_file_that_is_not_json_fails_with_a_message_naming_the_file()
    {
        using var tmp = new TempWorkspace();
        var e = Assert.ThrowsAny<CustomerTrackException>(() => Open(tmp, """{ "Load": { "OnError": """));

        Assert.Contains(Path.Combine(tmp.Dir, SettingsLoader.FileName), e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }
}
