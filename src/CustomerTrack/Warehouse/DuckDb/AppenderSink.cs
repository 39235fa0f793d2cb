using CustomerTrack.Load;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>
/// Streams a file's rows into customer_raw and load_rejects through DuckDB's appender (its bulk path).
/// Rows without event time are sequenced from <paramref name="processingBase"/> (the load time, or just after the
/// previous such row when the clock has not moved past it) plus their line number in microseconds.
/// </summary>
internal sealed class AppenderSink(DuckDBAppender raw, DuckDBAppender rejects, string fileKey, DateTime now, long lastSeq, string? rejectAll,
    DateTime processingBase)
    : IChangeSink
{
    public long LastSeq { get; private set; } = lastSeq;

    /// <summary>The latest processing-time sequence given to a row of this file, if any.</summary>
    public DateTime? LastProcessingTime { get; private set; }

    public void Accept(ParsedChange change)
    {
        if (rejectAll is not null)
        {
            Reject(change.Line, "(file)", rejectAll, null);
            return;
        }

        LastSeq++;
        var row = raw.CreateRow()
            .AppendValue(LastSeq)
            .AppendValue(fileKey)
            .AppendValue(change.Line)
            .AppendValue(now)
            .AppendValue(change.CustomerId);
        foreach (var value in change.Attributes)
        {
            row.AppendValue(value);
        }

        // A file without event time (the original tutorial's) is sequenced by load time and position in the file.
        var sequence = change.UpdatedAt ?? processingBase.AddTicks(change.Line * TimeSpan.TicksPerMicrosecond);
        if (change.UpdatedAt is null)
        {
            LastProcessingTime = sequence;
        }

        row.AppendValue(sequence)
            .AppendValue(change.Op)
            .AppendValue(change.UpdatedAt is not null)
            .EndRow();
    }

    public void Reject(long line, string field, string reason, string? rawText)
    {
        rejects.CreateRow()
            .AppendValue(fileKey)
            .AppendValue(line)
            .AppendValue(field)
            .AppendValue(reason)
            .AppendValue(rawText?.Replace('\0', ChangeFileReader.NulSymbol))
            .AppendValue(now)
            .EndRow();
    }

    void IChangeSink.Reject(long line, string field, string reason, string raw) => Reject(line, field, reason, raw);
}

/// <summary>Keeps only the first rejected row: the one an abort names.</summary>
internal sealed class FirstRejectSink : IChangeSink
{
    public long Line { get; private set; }
    public string? Field { get; private set; }
    public string? Reason { get; private set; }

    public void Accept(ParsedChange change)
    {
    }

    public void Reject(long line, string field, string reason, string raw)
    {
        if (Line == 0)
        {
            (Line, Field, Reason) = (line, field, reason);
        }
    }
}
