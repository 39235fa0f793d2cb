using CustomerTrack.Load;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>Streams a file's rows into customer_raw and load_rejects through DuckDB's appender (its bulk path).</summary>
internal sealed class AppenderSink(DuckDBAppender raw, DuckDBAppender rejects, string fileKey, DateTime now, long lastSeq, string? rejectAll,
    DateTime processingBase)
    : LedgerSink(lastSeq, rejectAll, processingBase)
{
    protected override void WriteRow(long seq, ParsedChange change, DateTime sequence)
    {
        var row = raw.CreateRow()
            .AppendValue(seq)
            .AppendValue(fileKey)
            .AppendValue(change.Line)
            .AppendValue(now)
            .AppendValue(change.CustomerId);
        foreach (var value in change.Attributes)
        {
            row.AppendValue(value);
        }

        row.AppendValue(sequence)
            .AppendValue(change.Op)
            .AppendValue(change.UpdatedAt is not null)
            .EndRow();
    }

    protected override void WriteReject(long line, string field, string reason, string? raw)
    {
        rejects.CreateRow()
            .AppendValue(fileKey)
            .AppendValue(line)
            .AppendValue(field)
            .AppendValue(reason)
            .AppendValue(raw)
            .AppendValue(now)
            .EndRow();
    }
}
