namespace CustomerTrack.Configuration;

/// <summary>Bounds on one reader's query (query, status, history, as-of), so that a reader cannot stall or starve the pipeline.</summary>
internal sealed class QuerySettings
{
    /// <summary>A query running longer than this is cancelled (PostgreSQL's statement_timeout; the owner's own clock on DuckDB).</summary>
    public Duration Timeout { get; set; } = new(TimeSpan.FromMinutes(1));

    /// <summary>Rows a query returns at most; past it the answer is cut and says so, rather than growing the process that reads it.</summary>
    public int MaxRows { get; set; } = 100_000;
}
