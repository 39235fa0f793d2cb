using CustomerTrack.Configuration;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Configuration;

/// <summary>The README's way to pass a list setting: one entry per index, from --set or from the environment.</summary>
[Collection("environment")]
public sealed class ListSettingsTests
{
    [Fact]
    public void A_list_setting_takes_entries_by_index_from_flags_and_environment_variables()
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), """
            { "Tables": { "product": { "Format": "csv", "Key": ["sku"],
                "Columns": { "sku": "string", "region": "string", "stock": "int64", "active": "bool" } } } }
            """);
        var before = (Environment.GetEnvironmentVariable("CUSTOMERTRACK__Scd__TrackHistoryExcept__0"),
            Environment.GetEnvironmentVariable("CUSTOMERTRACK__Scd__TrackHistoryExcept__1"));
        Environment.SetEnvironmentVariable("CUSTOMERTRACK__Scd__TrackHistoryExcept__0", "stock");
        Environment.SetEnvironmentVariable("CUSTOMERTRACK__Scd__TrackHistoryExcept__1", "active");
        try
        {
            // --set Tables:product:Key:1=region, as the command line passes it.
            var table = SettingsLoader.Load(tmp.Dir, new Dictionary<string, string?> { ["Tables:product:Key:1"] = "region" }).Table("product");

            Assert.Equal(["sku", "region"], table.Key.Select(k => k.Name));
            Assert.Equal(["stock", "active"], table.Scd.TrackHistoryExcept);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CUSTOMERTRACK__Scd__TrackHistoryExcept__0", before.Item1);
            Environment.SetEnvironmentVariable("CUSTOMERTRACK__Scd__TrackHistoryExcept__1", before.Item2);
        }
    }
}
