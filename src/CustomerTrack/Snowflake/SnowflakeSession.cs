namespace CustomerTrack.Snowflake;

/// <summary>The context every statement runs in (the SQL API request's role, warehouse, database and schema); null: the user's default.</summary>
internal sealed record SnowflakeSession(string? Role, string? Warehouse, string? Database, string? Schema);

/// <summary>One statement's outcome: its handle and, for a query, its columns and rows (cells as text, NULL as null).</summary>
internal sealed record StatementResult(string Handle, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string?>> Rows)
{
    /// <summary>The cell of <paramref name="column"/> (case-insensitive) in row <paramref name="row"/>, or null when there is none.</summary>
    public string? Cell(int row, string column)
    {
        var i = Columns.Select((c, n) => (c, n)).FirstOrDefault(x => x.c.Equals(column, StringComparison.OrdinalIgnoreCase)).n;
        return row < Rows.Count && Columns.Any(c => c.Equals(column, StringComparison.OrdinalIgnoreCase)) ? Rows[row][i] : null;
    }
}

/// <summary>How patient the client is; the defaults suit a real account, tests shorten them.</summary>
internal sealed record SqlApiOptions
{
    /// <summary>The wait between two polls of a running statement.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The first wait before a request refused with 429 or 503 is sent again; it doubles each time.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    public int MaxRetries { get; init; } = 6;

    /// <summary>The statement timeout sent with each request (seconds Snowflake lets a statement run).</summary>
    public int StatementTimeoutSeconds { get; init; } = 3600;

    /// <summary>How long the client waits for one statement, polls included, before it gives up.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromHours(1);
}
