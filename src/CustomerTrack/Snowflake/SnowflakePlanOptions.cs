using CustomerTrack.Configuration;
using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>What a plan is made for: where the objects go, where files come from, and what runs the task.</summary>
internal sealed record SnowflakePlanOptions
{
    /// <summary>Marks a value the plan could not know; <c>deploy</c> refuses a plan that still holds one.</summary>
    public const string Placeholder = "<set ";

    public required string Database { get; init; }
    public required string Schema { get; init; }
    public required string StageUrl { get; init; }
    public required string StorageIntegration { get; init; }
    public required string AwsRoleArn { get; init; }

    /// <summary>The warehouse the task runs on; null: a serverless task.</summary>
    public string? Warehouse { get; init; }

    /// <summary>Load:OnError.</summary>
    public OnError OnError { get; init; } = OnError.Continue;

    /// <summary>The options from settings, each overridden by its flag when given; every name is checked.</summary>
    public static SnowflakePlanOptions From(Settings settings, string? database = null, string? schema = null, string? stageUrl = null,
        string? integration = null, string? warehouse = null, bool serverless = false)
    {
        var s = settings.Snowflake;
        var url = (stageUrl ?? NonEmpty(s.StageUrl) ?? (settings.Lake.Uri.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? settings.Lake.Uri : null))?.Trim();
        if (url is not null && !url.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new SettingsException("Snowflake:StageUrl", $"'{url}' is not an s3://bucket/prefix address (flag --stage-url)");
        }

        var wh = serverless ? null : NonEmpty(warehouse ?? s.Warehouse);
        return new SnowflakePlanOptions
        {
            Database = Name(database ?? s.Database, "Snowflake:Database (flag --database)"),
            Schema = Name(schema ?? s.Schema, "Snowflake:Schema (flag --schema)"),
            StageUrl = url?.TrimEnd('/') ?? Placeholder + "Snowflake:StageUrl or --stage-url: s3://bucket/prefix>",
            StorageIntegration = Name(integration ?? s.StorageIntegration, "Snowflake:StorageIntegration (flag --storage-integration)"),
            AwsRoleArn = NonEmpty(s.AwsRoleArn) ?? Placeholder + "Snowflake:AwsRoleArn: arn:aws:iam::<account>:role/<role>>",
            Warehouse = wh is null ? null : Name(wh, "Snowflake:Warehouse (flag --warehouse)"),
            OnError = settings.Load.Policy,
        };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Name(string value, string setting)
    {
        try
        {
            return Identifiers.Validate(value, setting);
        }
        catch (CustomerTrackException e) when (e is not SettingsException)
        {
            throw new SettingsException(setting, e.Message);
        }
    }
}
