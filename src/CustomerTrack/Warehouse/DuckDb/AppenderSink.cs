using CustomerTrack.Load;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>Streams a file's rows into its table's ledger and load_rejects through DuckDB's appender (its bulk path).</summary>
internal sealed class AppenderSink(DuckDBAppender raw, DuckDBAppender rejects, string fileKey, string table, DateTime now, long lastSeq,
    string? rejectAll, DateTime processingBase)
    : LedgerSink(lastSeq, rejectAll, processingBase)
{
    protected override void WriteRow(long seq, ParsedChange change, DateTime sequence)
    {
        var row = raw.CreateRow()
            .AppendValue(seq)
            .AppendValue(fileKey)
            .AppendValue(change.Line)
            .AppendValue(now);
        foreach (var value in change.Values)
        {
            row = value switch
            {
                null => row.AppendNullValue(),
                string s => row.AppendValue(s),
                long l => row.AppendValue(l),
                int i => row.AppendValue(i),
                double d => row.AppendValue(d),
                decimal m => row.AppendValue(m),
                bool b => row.AppendValue(b),
                DateOnly d => row.AppendValue(d),
                DateTime t => row.AppendValue(t),
                _ => throw new InvalidOperationException($"no appender for {value.GetType()}"),
            };
        }

        row.AppendValue(sequence)
            .AppendValue(change.OpText)
            .AppendValue(change.EventTime is not null)
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
            .AppendValue(table)
            .EndRow();
    }
}
