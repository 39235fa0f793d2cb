namespace CustomerTrack.Snowflake;

/// <summary>
/// A failure talking to Snowflake or preparing to: bad settings, a refused key, or a statement Snowflake rejected
/// (then <see cref="SqlState"/> and <see cref="Statement"/> say which and why).
/// </summary>
internal sealed class SnowflakeException(string message, string? sqlState = null, string? statement = null, bool isTransient = false)
    : CustomerTrackException(message, null, isTransient)
{
    /// <summary>The SQLSTATE Snowflake returned (422 responses), if any.</summary>
    public string? SqlState { get; } = sqlState;

    /// <summary>The statement that failed, if known.</summary>
    public string? Statement { get; } = statement;
}
