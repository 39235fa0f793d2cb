namespace CustomerTrack.Scd;

/// <summary>What one task run applied (one task_run row).</summary>
internal sealed record TaskRunOutcome(string Table, long RunId, long FromSeq, long ToSeq, long RowsRead, long Keys, long Versions, long Ties, TimeSpan Duration);
