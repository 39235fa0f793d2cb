namespace CustomerTrack.Tests.Snowflake;

/// <summary>Workspaces whose settings define the tables the plan tests generate from.</summary>
internal static class SnowflakeSamples
{
    /// <summary>
    /// A feed unlike the customer one: a composite string key, decimal, date, bool and int columns, an op column with
    /// its own values, history not tracked for an int column, tombstone rows, and a semicolon-separated CSV.
    /// </summary>
    public const string OrdersSettings = """
        {
          "Tables": {
            "orders": {
              "Format": "csv",
              "Delimiter": ";",
              "Key": ["region", "order_no"],
              "Columns": {
                "region": "string",
                "order_no": "string",
                "amount": "decimal(12,2)",
                "ordered_on": "date",
                "paid": "bool",
                "quantity": "int32",
                "changed_at": "timestamp"
              },
              "EventTime": "changed_at",
              "Op": { "Column": "action", "Values": { "new": "INSERT", "chg": "UPDATE", "del": "DELETE" } },
              "Scd": { "TrackHistoryExcept": ["quantity"], "DeleteMode": "tombstone-row" }
            }
          }
        }
        """;

    /// <summary>The orders feed with <c>"SchemaEvolution": "add"</c>: columns its files bring are added and carried on.</summary>
    public static string EvolvingSettings => OrdersSettings.Replace("\"Format\": \"csv\",", "\"Format\": \"csv\",\n      \"SchemaEvolution\": \"add\",", StringComparison.Ordinal);

    /// <summary>
    /// The evolving orders feed as NDJSON: the pipe lands each record whole (VARIANT) and the procedure reads the
    /// definition's columns and the evolved ones from it as text.
    /// </summary>
    public static string EvolvingNdjsonSettings => EvolvingSettings
        .Replace("\"Format\": \"csv\",", "\"Format\": \"ndjson\",", StringComparison.Ordinal)
        .Replace("\n      \"Delimiter\": \";\",", "", StringComparison.Ordinal);

    /// <summary>
    /// The orders definition's successor: a new attribute (note), a comma instead of a semicolon, and Load:OnError
    /// skip_file. Planned from the orders settings, it shows the statements a second deploy needs.
    /// </summary>
    public static string NextOrdersSettings => OrdersSettings
        .Replace("\"Delimiter\": \";\",", "\"Delimiter\": \",\",", StringComparison.Ordinal)
        .Replace("\"changed_at\": \"timestamp\"", "\"changed_at\": \"timestamp\",\n        \"note\": \"string\"", StringComparison.Ordinal)
        .Replace("\"Tables\": {", "\"Load\": { \"OnError\": \"skip_file\" },\n  \"Tables\": {", StringComparison.Ordinal);

    /// <summary>The folder of the golden plans, in the source tree (so a person reviews them in the diff).</summary>
    public static string GoldenDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CustomerTrack.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.True(dir is not null, $"no CustomerTrack.slnx above {AppContext.BaseDirectory}");
        return Path.Combine(dir.FullName, "tests", "CustomerTrack.Tests", "Snowflake", "golden");
    }

    /// <summary>A temporary workspace folder holding <paramref name="settingsJson"/> as its customertrack.json, if given.</summary>
    public static string Workspace(string? settingsJson)
    {
        var dir = Directory.CreateTempSubdirectory("ct-snowflake-").FullName;
        if (settingsJson is not null)
        {
            File.WriteAllText(Path.Combine(dir, CustomerTrack.Configuration.SettingsLoader.FileName), settingsJson);
        }

        return dir;
    }
}
