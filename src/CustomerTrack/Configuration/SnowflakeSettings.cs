namespace CustomerTrack.Configuration;

/// <summary>
/// Where <c>snowflake plan</c>, <c>deploy</c> and <c>status</c> point (docs/snowflake.md). The private key's path is
/// read, never printed; the key itself never leaves the file.
/// </summary>
internal sealed class SnowflakeSettings
{
    /// <summary>The account as in its URL: <c>myorg-myaccount</c>, or a locator such as <c>xy12345.us-east-1</c>.</summary>
    public string Account { get; set; } = "";

    public string User { get; set; } = "";

    /// <summary>The unencrypted PEM private key of <see cref="User"/> (readable by its owner only).</summary>
    public string PrivateKeyPath { get; set; } = "";

    public string Role { get; set; } = "";

    /// <summary>The warehouse the tasks run on; empty: serverless tasks.</summary>
    public string Warehouse { get; set; } = "";

    public string Database { get; set; } = "customertrack";

    public string Schema { get; set; } = "public";

    /// <summary>Where producers drop files: s3://bucket/prefix (each table reads its own folder under it).</summary>
    public string StageUrl { get; set; } = "";

    public string StorageIntegration { get; set; } = "customertrack_s3";

    /// <summary>The AWS role Snowflake assumes to read the bucket (the storage integration's STORAGE_AWS_ROLE_ARN).</summary>
    public string AwsRoleArn { get; set; } = "";

    /// <summary>The SQL API's address; empty: the account's own (https://ACCOUNT.snowflakecomputing.com).</summary>
    public string Url { get; set; } = "";
}
