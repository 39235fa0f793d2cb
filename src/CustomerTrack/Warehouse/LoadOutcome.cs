using CustomerTrack.Formats;
namespace CustomerTrack.Warehouse;

/// <summary>
/// A lake object the loader is handed: its key, where its bytes are on disk, what ingest recorded, and the table it is
/// routed to (<paramref name="Table"/> null: no table takes it, and <paramref name="TableName"/> says what it asked for).
/// </summary>
internal sealed record LakeFile(string Key, string LocalPath, string FileName, string Sha256, long Bytes, DateTime? LandedAt,
    Tables.TableDefinition? Table, string TableName)
{
    /// <summary>
    /// Set by <c>reload</c>: load the file again although the load history holds it (Snowflake's <c>COPY … FORCE</c>), as
    /// a new attempt; its earlier attempt moves to <c>load_attempt</c>. Null for an ordinary load.
    /// </summary>
    public ReloadRequest? Reload { get; init; }
}

/// <summary>A reload's terms: <paramref name="Force"/> allows reloading a file its last attempt loaded whole.</summary>
internal sealed record ReloadRequest(bool Force);

/// <summary>The load_history status of a file.</summary>
internal enum LoadStatus
{
    Loaded,
    PartiallyLoaded,
    Failed,
    Skipped,

    /// <summary>Not a load_history status: the file was in the history already, nothing was written.</summary>
    AlreadyLoaded,
}

/// <summary>Load statuses as load_history spells them, and the status of a file from what reading it gave.</summary>
internal static class LoadStatuses
{
    /// <summary>The text load_history keeps (and readers, the dashboard and progress lines show).</summary>
    public static string Text(this LoadStatus status) => status switch
    {
        LoadStatus.Loaded => "LOADED",
        LoadStatus.PartiallyLoaded => "PARTIALLY_LOADED",
        LoadStatus.Failed => "LOAD_FAILED",
        LoadStatus.Skipped => "LOAD_SKIPPED",
        _ => "ALREADY_LOADED",
    };

    public static LoadStatus Of(FileReadSummary summary) =>
        summary.FileError is not null || (summary.Accepted == 0 && summary.Rejected > 0) ? LoadStatus.Failed
        : summary.Rejected > 0 ? LoadStatus.PartiallyLoaded
        : LoadStatus.Loaded;
}

/// <summary>What loading one file did (one load_history row).</summary>
internal sealed record LoadOutcome(string Key, LoadStatus Status, long RowsInFile, long RowsLoaded, long RowsRejected, string? Error)
{
    /// <summary>How long the file took inside its transaction (progress lines show it).</summary>
    public double Ms { get; init; }

    /// <summary>When the file landed, as ingest recorded it (freshness is measured from it).</summary>
    public DateTime? LandedAt { get; init; }

    /// <summary>The file's columns the table neither defines nor adds: dropped, and said so in the run line and status.</summary>
    public IReadOnlyList<string> DroppedColumns { get; init; } = [];
}

/// <summary>load_history statuses of files that were not loaded because the same content was (SKIPPED: earlier versions).</summary>
internal static class SkippedStatuses
{
    /// <summary>SQL: a load_history row of a file that was loaded (or tried), not skipped as a copy.</summary>
    public const string NotSkipped = "status NOT IN ('SKIPPED', 'LOAD_SKIPPED')";
}
