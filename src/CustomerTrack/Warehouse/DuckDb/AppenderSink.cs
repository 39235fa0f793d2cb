using CustomerTrack.Formats;
using CustomerTrack.Tables;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>Streams a file's rows into its table's ledger and load_rejects through DuckDB's appender (its bulk path).</summary>
internal sealed class AppenderSink(DuckDBAppender raw, DuckDBAppender rejects, string fileKey, TableDefinition table, IReadOnlyList<string> rawColumns,
    DateTime now, long lastSeq, string? rejectAll, DateTime processingBase)
    : LedgerSink(lastSeq, rejectAll, processingBase)
{
    // What each of the ledger's columns holds, in the order the table has them (the appender writes by position).
    private const int Seq = -1, File = -2, Line = -3, LoadedAt = -4, Sequence = -5, Op = -6, Given = -7, Null = -8;

    private readonly int[] _columns = rawColumns.Select(c => c switch
    {
        "_seq" => Seq,
        "_file" => File,
        "_line" => Line,
        "_loaded_at" => LoadedAt,
        "_event_time_given" => Given,
        _ when c == table.SequenceColumn => Sequence,
        _ when c == table.OpColumn => Op,
        _ => table.Columns.Select(x => x.Name).ToList().IndexOf(c) is var slot and >= 0 ? slot : Null,
    }).ToArray();

    /// <summary>
    /// The values past .NET's decimal (more than 28 digits) the appender could not take, by <c>_seq</c> and column: the
    /// row is appended with NULL there, and <see cref="DuckDbWarehouse"/> sets them by DuckDB's own exact cast of their
    /// digits once the appender is closed, in the same transaction.
    /// </summary>
    public List<(long Seq, Column Column, string Digits)> Exact { get; } = [];

    protected override void WriteRow(long seq, ParsedChange change, DateTime sequence)
    {
        var row = raw.CreateRow();
        foreach (var column in _columns)
        {
            if (column >= 0 && change.Values[column] is ExactDecimal exact)
            {
                Exact.Add((seq, table.Columns.ElementAt(column), exact.ToString()));
                row = row.AppendNullValue();
                continue;
            }

            row = column switch
            {
                Seq => row.AppendValue(seq),
                File => row.AppendValue(fileKey),
                Line => row.AppendValue(change.Line),
                LoadedAt => row.AppendValue(now),
                Sequence => row.AppendValue(sequence),
                Op => row.AppendValue(change.OpText),
                Given => row.AppendValue(change.EventTime is not null),
                Null => row.AppendNullValue(),
                _ => Append(row, change.Values[column]),
            };
        }

        row.EndRow();
    }

    private static IDuckDBAppenderRow Append(IDuckDBAppenderRow row, object? value) => value switch
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

    protected override void WriteReject(long line, string field, string reason, string? raw)
    {
        rejects.CreateRow()
            .AppendValue(fileKey)
            .AppendValue(line)
            .AppendValue(field)
            .AppendValue(reason)
            .AppendValue(raw)
            .AppendValue(now)
            .AppendValue(table.Name)
            .EndRow();
    }
}
