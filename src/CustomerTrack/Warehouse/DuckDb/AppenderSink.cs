using CustomerTrack.Load;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>Streams a file's rows into customer_raw and load_rejects through DuckDB's appender (its bulk path).</summary>
internal sealed class AppenderSink(DuckDBAppender raw, DuckDBAppender rejects, string fileKey, DateTime now, long lastSeq, string? rejectAll)
    : IChangeSink
{
    public long LastSeq { get; private set; } = lastSeq;

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
        row.AppendValue(change.UpdatedAt ?? now.AddTicks(change.Line * TimeSpan.TicksPerMicrosecond))
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
            .AppendValue(rawText)
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
