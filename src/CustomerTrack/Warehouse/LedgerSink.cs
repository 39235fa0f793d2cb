using CustomerTrack.Formats;

namespace CustomerTrack.Warehouse;

/// <summary>
/// Turns a file's parsed rows into ledger rows and rejects, whatever the engine's bulk path. Each accepted row takes the
/// next <c>_seq</c>. Rows without event time are sequenced from <paramref name="processingBase"/> (the load time, or
/// just after the previous such row when the clock has not moved past it) plus their line number in microseconds.
/// With <paramref name="rejectAll"/>, every row is rejected with that reason (a file skipped whole).
/// </summary>
internal abstract class LedgerSink(long lastSeq, string? rejectAll, DateTime processingBase) : IChangeSink
{
    public long LastSeq { get; private set; } = lastSeq;

    /// <summary>The latest processing-time sequence given to a row of this file, if any.</summary>
    public DateTime? LastProcessingTime { get; private set; }

    public void Accept(ParsedChange change)
    {
        if (rejectAll is not null)
        {
            WriteReject(change.Line, "(file)", rejectAll, null);
            return;
        }

        LastSeq++;

        // A file without event time (the original tutorial's) is sequenced by load time and position in the file.
        var sequence = change.EventTime ?? processingBase.AddTicks(change.Line * TimeSpan.TicksPerMicrosecond);
        if (change.EventTime is null)
        {
            LastProcessingTime = sequence;
        }

        WriteRow(LastSeq, change, sequence);
    }

    public void Reject(long line, string field, string reason, string raw) =>
        WriteReject(line, field.Replace('\0', CsvChangeReader.NulSymbol), reason.Replace('\0', CsvChangeReader.NulSymbol),
            raw.Replace('\0', CsvChangeReader.NulSymbol));

    /// <summary>One ledger row: <c>_seq</c>, the change, and its event (or processing) time.</summary>
    protected abstract void WriteRow(long seq, ParsedChange change, DateTime sequence);

    /// <summary>One load_rejects row.</summary>
    protected abstract void WriteReject(long line, string field, string reason, string? raw);
}

/// <summary>The error <c>Load:OnError = abort</c> raises for a file: its first bad row, by line and field, from the read that found it.</summary>
internal static class AbortError
{
    public static InputRejectedException Of(string fileKey, FileReadSummary summary) => summary.FirstReject is { } first
        ? new InputRejectedException(fileKey, first.Line, first.Field, first.Reason)
        : new InputRejectedException(fileKey, 1, "(file)", summary.FileError ?? "rejected");
}
