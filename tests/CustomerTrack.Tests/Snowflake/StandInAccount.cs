using System.Text.Json.Nodes;
using CustomerTrack.Snowflake;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// What the protocol stand-in answers to the reads of deploy and status, as if the account held one table's objects:
/// by default exactly as <paramref name="plan"/> makes them; a test changes one thing to make drift. Like
/// <see cref="SqlApiStandIn"/> it is NOT Snowflake: the answers' shapes are those Snowflake documents for SHOW and
/// INFORMATION_SCHEMA.COLUMNS (format_options as JSON, a stage's url as a list), and nothing here ran on an account.
/// </summary>
internal sealed class StandInAccount(SnowflakePlan plan)
{
    public Dictionary<string, List<(string Name, string Type)>> Columns { get; } =
        plan.TableColumns().ToDictionary(t => t.Table, t => t.Columns.ToList());

    public Dictionary<string, string> Format { get; } =
        plan.FormatOptionValues().ToDictionary(o => o.Key, o => SnowflakeConvergence.Unquote(o.Value));

    public string StageUrl { get; set; } = plan.StageUrl;

    public string PipeCopy { get; set; } = plan.PipeCopy();

    public bool Integration { get; set; }

    public bool Schema { get; set; } = true;

    public const string Channel = "arn:aws:sqs:us-east-1:123456789012:sf-snowpipe-EXAMPLE";

    /// <summary>The answer to a read, or null for any other statement.</summary>
    public StandInReply? Answer(string statement)
    {
        var n = plan.Names;
        return statement switch
        {
            _ when statement.StartsWith("SHOW INTEGRATIONS", StringComparison.Ordinal) =>
                Integration ? StandInReply.Table(["name", "type"], [plan.Integration.Trim('"'), "EXTERNAL_STAGE"]) : StandInReply.Table(["name", "type"]),
            _ when statement.StartsWith("SHOW SCHEMAS", StringComparison.Ordinal) => Schema
                ? StandInReply.Table(["name", "database_name"], ["PUBLICX", n.Database.Trim('"')], [n.SchemaName, n.Database.Trim('"')])
                : StandInReply.Table(["name", "database_name"]),
            _ when statement.Contains("INFORMATION_SCHEMA.COLUMNS", StringComparison.Ordinal) && statement.StartsWith("SELECT \"TABLE_NAME\"", StringComparison.Ordinal) =>
                StandInReply.Table(["TABLE_NAME", "COLUMN_NAME", "DATA_TYPE"],
                    [.. Columns.SelectMany(t => t.Value.Select(c => new string?[] { t.Key, c.Name, c.Type }))]),
            _ when statement.StartsWith("SHOW FILE FORMATS", StringComparison.Ordinal) =>
                StandInReply.Table(["name", "type", "format_options"], [n.ObjectName("_format"), Format["TYPE"], FormatJson()]),
            _ when statement.StartsWith("SHOW STAGES", StringComparison.Ordinal) =>
                StandInReply.Table(["name", "url"], [n.ObjectName("_stage"), $"[\"{StageUrl}\"]"]),
            _ when statement.StartsWith("SHOW PIPES", StringComparison.Ordinal) =>
                StandInReply.Table(["name", "definition", "notification_channel"], [n.ObjectName("_pipe"), PipeCopy, Channel]),
            _ => null,
        };
    }

    private string FormatJson()
    {
        var json = new JsonObject();
        foreach (var (key, value) in Format)
        {
            json[key] = value switch
            {
                "TRUE" => true,
                "FALSE" => false,
                "()" => new JsonArray(),
                _ => value,
            };
        }

        return json.ToJsonString();
    }
}
