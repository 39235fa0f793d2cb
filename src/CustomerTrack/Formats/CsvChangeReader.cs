using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>
/// Reads a CSV change file (<see cref="CsvRows"/>) in the table's dialect and checks every row against the table's contract.
/// A row that breaks it goes to the sink's Reject with line, field, reason and raw text; nothing is dropped.
/// </summary>
internal static class CsvChangeReader
{
    /// <summary>How a NUL is shown in what the warehouse keeps (DuckDB's appender ends a string at a NUL).</summary>
    internal const char NulSymbol = '\u2400';

    /// <summary>The most a header row may hold in all: 1 MiB, or Load:MaxFieldBytes when that is more.</summary>
    internal static long HeaderBytes(int maxFieldBytes) => Math.Max(maxFieldBytes, 1 << 20);

    /// <summary>Reads the file's rows into <paramref name="sink"/>; with <paramref name="columnsOnly"/>, its header row alone.</summary>
    public static FileReadSummary Read(string path, TableDefinition table, int maxFieldBytes, IChangeSink sink, bool columnsOnly = false)
    {
        var csv = table.Csv;
        using var rows = new CsvRows(new FileChars(path, latin1: csv.Encoding == "latin-1"), csv.Delimiter, csv.Quote, maxFieldBytes);
        var builder = new RowBuilder(new SourceLayout(table));
        var layout = table.Csv.Header ? null : HeaderLayout.Positional(builder.Layout);
        long count = 0, accepted = 0, rejected = 0;

        // A header is held to Load:MaxFieldBytes a name and to HeaderBytes in all (a header of millions of columns is no header).
        rows.RowLimit = layout is null ? HeaderBytes(maxFieldBytes) : long.MaxValue;
        rows.Keep = layout?.Count ?? int.MaxValue;
        while (rows.Next())
        {
            // A blank or whitespace-only line (a trailing newline, a gap) is no row: neither loaded nor rejected.
            if (rows.Blank)
            {
                continue;
            }

            if (layout is null)
            {
                layout = HeaderLayout.From(rows, builder.Layout, maxFieldBytes);
                rows.RowLimit = long.MaxValue;
                rows.Keep = layout.Error is null ? layout.Count : 0;
                if (columnsOnly)
                {
                    break;
                }

                continue;
            }

            count++;
            string? field = "(header)";
            var error = layout.Error ?? Check(rows, layout, maxFieldBytes, builder, out field);
            if (error is null)
            {
                sink.Accept(builder.Change);
                accepted++;
            }
            else
            {
                sink.Reject(rows.Line, field!, error, rows.Raw);
                rejected++;
            }
        }

        var fileError = layout is null ? "the file is empty (no header row)" : layout.Error;
        return new FileReadSummary(count, accepted, rejected, layout?.Unknown ?? [], fileError);
    }

    private static string? Check(CsvRows row, HeaderLayout layout, int maxFieldBytes, RowBuilder builder, out string? field)
    {
        field = "(row)";
        if (row.Error is { } structure)
        {
            return structure;
        }

        if (row.Count != layout.Count)
        {
            return $"has {row.Count} fields, the header has {layout.Count}";
        }

        for (var i = 0; i < row.Count; i++)
        {
            if (row.NulAt(i))
            {
                field = layout.Names[i];
                return "contains a NUL byte";
            }
        }

        for (var i = 0; i < row.Count; i++)
        {
            if (row.BytesOf(i) > maxFieldBytes)
            {
                field = layout.Names[i];
                return $"is {row.BytesOf(i)} bytes; a field may hold at most {maxFieldBytes} (Load:MaxFieldBytes)";
            }

            if (row.InvalidAt(i))
            {
                field = layout.Names[i];
                return "is not valid UTF-8";
            }
        }

        builder.Begin(row.Line);
        var names = builder.Layout.Names;
        for (var slot = 0; slot < builder.Layout.KeyCount; slot++)
        {
            field = names[slot];
            if (Typed(builder, slot, row[layout.Slots[slot]]) is { } error)
            {
                return error;
            }
        }

        if (layout.EventTime >= 0)
        {
            field = builder.Layout.Table.EventTime;
            if ((EventTimeText(builder.Layout.Table.Csv, row[layout.EventTime], out var eventTime) ?? builder.EventTime(eventTime)) is { } error)
            {
                return error;
            }
        }

        if (layout.Op >= 0)
        {
            field = builder.Layout.Table.Op!.Column;
            if (builder.Op(row[layout.Op]) is { } error)
            {
                return error;
            }
        }

        for (var slot = builder.Layout.KeyCount; slot < names.Length; slot++)
        {
            var at = layout.Slots[slot];
            if (at >= 0)
            {
                field = names[slot];
                if (Typed(builder, slot, row[at]) is { } error)
                {
                    return error;
                }
            }
        }

        field = null;
        return null;
    }

    /// <summary>
    /// Sets a slot from a field written the table's way (DecimalSeparator, ThousandsSeparator, DateFormat,
    /// TimestampFormat): first made into the shared typing's form by <see cref="CsvValueText"/>, then typed as every format is.
    /// </summary>
    private static string? Typed(RowBuilder builder, int slot, string text)
    {
        var error = CsvValueText.Normalise(text, builder.Layout.Types[slot], builder.Layout.Table.Csv, out var normalised)
            ?? builder.Text(slot, normalised);

        // A reason quotes the value as the row wrote it (0,123), not as the typing was handed it (0.123).
        return error is not null && !ReferenceEquals(normalised, text)
            ? error.Replace($"'{Values.Clip(normalised.Trim())}'", $"'{Values.Clip(text.Trim())}'", StringComparison.Ordinal)
            : error;
    }

    /// <summary>The event time written in the table's TimestampFormat made ISO 8601 (without one, the text as it is).</summary>
    private static string? EventTimeText(CsvOptions csv, string text, out string normalised) =>
        CsvValueText.Normalise(text, ColumnType.Timestamp, csv, out normalised);

    /// <summary>Where each of the table's columns stands in this file, and what is wrong with the header.</summary>
    private sealed class HeaderLayout
    {
        public required string[] Names { get; init; }
        public int Count => Names.Length;

        /// <summary>For each slot of the table, the file's column index (-1: not in the file).</summary>
        public required int[] Slots { get; init; }
        public int EventTime { get; init; } = -1;
        public int Op { get; init; } = -1;
        public required IReadOnlyList<string> Unknown { get; init; }
        public string? Error { get; init; }

        /// <summary>
        /// The header row's names, trimmed and unquoted by the same rule as values. A header the reader cannot take
        /// whole (a broken quote, past Load:MaxFieldBytes, bytes that are not UTF-8) rejects every row of the file with
        /// the reason: the file is never half-read.
        /// </summary>
        public static HeaderLayout From(CsvRows header, SourceLayout layout, int maxFieldBytes)
        {
            var problem = header.Error is { } e ? $"the header row is broken: {e}"
                : header.TooLong ? $"the header row holds more than {HeaderBytes(maxFieldBytes)} bytes, the most a header may hold"
                : Enumerable.Range(0, header.Kept).FirstOrDefault(i => header.BytesOf(i) > maxFieldBytes, -1) is var at and >= 0
                    ? $"header column {at + 1} is {header.BytesOf(at)} bytes; a name may hold at most {maxFieldBytes} (Load:MaxFieldBytes)"
                : Enumerable.Range(0, header.Kept).Any(header.InvalidAt) ? "the header row is not valid UTF-8"
                : null;
            if (problem is not null)
            {
                return new HeaderLayout { Names = [], Slots = [], Unknown = [], Error = problem };
            }

            var names = new string[header.Kept];
            for (var i = 0; i < names.Length; i++)
            {
                // A NUL would cut the name short in the warehouse: show it as the NUL symbol.
                names[i] = layout.Normalize(header[i]).Replace('\0', NulSymbol);
            }

            return Of(names, layout);
        }

        /// <summary>A file without a header row: the columns in the order the definition wrote them.</summary>
        public static HeaderLayout Positional(SourceLayout layout) => Of([.. layout.Table.SourceOrder], layout);

        private static HeaderLayout Of(string[] names, SourceLayout layout)
        {
            var slots = layout.Names.Select(n => Array.IndexOf(names, n)).ToArray();
            var duplicate = names.Where(n => n.Length > 0).GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
            var missingKey = layout.Table.Key.FirstOrDefault(k => Array.IndexOf(names, k.Name) < 0);
            string? error = null;
            if (duplicate is not null)
            {
                error = $"the header names column '{duplicate}' twice";
            }
            else if (missingKey is not null)
            {
                error = $"the header has no {missingKey.Name} column (is the header row missing?)";
            }

            return new HeaderLayout
            {
                Names = names,
                Slots = slots,
                EventTime = layout.Table.EventTime is { } e ? Array.IndexOf(names, e) : -1,
                Op = layout.Table.Op is { } op ? Array.IndexOf(names, op.Column) : -1,
                Unknown = names.Where(n => n.Length > 0 && layout.SlotOf(n) == SourceLayout.Unknown).Distinct().ToArray(),
                Error = error,
            };
        }
    }
}
