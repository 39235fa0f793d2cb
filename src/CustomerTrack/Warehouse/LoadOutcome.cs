namespace CustomerTrack.Warehouse;

/// <summary>A lake object the loader is handed: its key, where its bytes are on disk, and what ingest recorded.</summary>
internal sealed record LakeFile(string Key, string LocalPath, string FileName, string Sha256, long Bytes, DateTime? LandedAt);

/// <summary>What loading one file did (one load_history row).</summary>
internal sealed record LoadOutcome(string Key, string Status, long RowsInFile, long RowsLoaded, long RowsRejected, string? Error);

/// <summary>What one task run applied (one task_run row).</summary>
public sealed record TaskRunOutcome(long RunId, long FromSeq, long ToSeq, long RowsRead, long Customers, long Versions, long Ties, TimeSpan Duration);
