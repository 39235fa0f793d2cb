using System.Buffers;
using System.Text;
using CustomerTrack.Tables;
using nietras.SeparatedValues;

namespace CustomerTrack.Load;

/// <summary>
/// Reads a CSV change file with Sep in the table's dialect and checks every row against the table's contract.
/// A row that breaks it goes to the sink's Reject with line, field, reason and raw text; nothing is dropped.
/// </summary>
internal static class CsvChangeReader
{
    private const char Replacement = '\uFFFD';

    /// <summary>How a NUL is shown in what the warehouse keeps (DuckDB's appender ends a string at a NUL).</summary>
    internal const char NulSymbol = '\u2400';

    public static FileReadSummary Read(string path, TableDefinition table, int maxFieldBytes, IChangeSink sink)
    {
        var csv = table.Csv;
        var options = new SepReaderOptions(new Sep(csv.Delimiter))
        {
            HasHeader = false,
            Unescape = csv.Quote != '\0',
            DisableQuotesParsing = csv.Quote == '\0',
            DisableColCountCheck = true,
        };
        using var reader = csv.Encoding == "latin-1"
            ? options.From(new StreamReader(path, Encoding.Latin1))
            : options.FromFile(path);
        return Read(reader, table, maxFieldBytes, sink);
    }

    private static FileReadSummary Read(SepReader reader, TableDefinition table, int maxFieldBytes, IChangeSink sink)
    {
        var builder = new RowBuilder(new SourceLayout(table));
        var layout = table.Csv.Header ? null : HeaderLayout.Positional(builder.Layout);
        long rows = 0, accepted = 0, rejected = 0;
        var raw = ArrayPool<char>.Shared.Rent(4096);
        try
        {
            foreach (var row in reader)
            {
                // A blank or whitespace-only line (a trailing newline, a gap) is no row: neither loaded nor rejected.
                var span = row.Span;
                if (span.IsWhiteSpace())
                {
                    continue;
                }

                // Sep unescapes quoted fields in place: keep the raw text first, for the rejects table.
                if (span.Length > raw.Length)
                {
                    ArrayPool<char>.Shared.Return(raw);
                    raw = ArrayPool<char>.Shared.Rent(span.Length);
                }

                span.CopyTo(raw);
                var rawLength = span.Length;
                var line = row.RowIndex == 0 ? 1 : row.LineNumberFrom;
                if (layout is null)
                {
                    layout = HeaderLayout.From(row, builder.Layout);
                    continue;
                }

                rows++;
                string? field = "(header)";
                var error = layout.Error ?? Check(row, layout, raw.AsSpan(0, rawLength), maxFieldBytes, builder, line, table.Csv.Quote, out field);

                if (error is null)
                {
                    sink.Accept(builder.Change);
                    accepted++;
                }
                else
                {
                    sink.Reject(line, field!, error, new string(raw, 0, rawLength));
                    rejected++;
                }
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(raw);
        }

        var fileError = layout is null ? "the file is empty (no header row)" : layout.Error;
        return new FileReadSummary(rows, accepted, rejected, layout?.Unknown ?? [], fileError);
    }

    private static string? Check(SepReader.Row row, HeaderLayout layout, ReadOnlySpan<char> raw, int maxFieldBytes,
        RowBuilder builder, long line, char quote, out string? field)
    {
        field = "(row)";
        if (quote != '\0' && raw.Count(quote) % 2 != 0)
        {
            return "unclosed quote: the quoted field runs to the end of the file or row";
        }

        if (row.ColCount != layout.Count)
        {
            return $"has {row.ColCount} fields, the header has {layout.Count}";
        }

        if (raw.Contains('\0'))
        {
            field = layout.NameOf(row);
            return "contains a NUL byte";
        }

        for (var i = 0; i < row.ColCount; i++)
        {
            var value = row[i].Span;
            if (value.Length > maxFieldBytes / 4 && Encoding.UTF8.GetByteCount(value) > maxFieldBytes)
            {
                field = layout.Names[i];
                return $"is {Encoding.UTF8.GetByteCount(value)} bytes; a field may hold at most {maxFieldBytes} (Load:MaxFieldBytes)";
            }

            if (value.Contains(Replacement))
            {
                field = layout.Names[i];
                return "is not valid UTF-8";
            }
        }

        builder.Begin(line);
        var names = builder.Layout.Names;
        for (var slot = 0; slot < builder.Layout.KeyCount; slot++)
        {
            field = names[slot];
            if (builder.Text(slot, row[layout.Slots[slot]].Span) is { } error)
            {
                return error;
            }
        }

        if (layout.EventTime >= 0)
        {
            field = builder.Layout.Table.EventTime;
            if (builder.EventTime(row[layout.EventTime].Span) is { } error)
            {
                return error;
            }
        }

        if (layout.Op >= 0)
        {
            field = builder.Layout.Table.Op!.Column;
            if (builder.Op(row[layout.Op].Span) is { } error)
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
                if (builder.Text(slot, row[at].Span) is { } error)
                {
                    return error;
                }
            }
        }

        field = null;
        return null;
    }

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

        public string NameOf(SepReader.Row row)
        {
            for (var i = 0; i < row.ColCount && i < Names.Length; i++)
            {
                if (row[i].Span.Contains('\0'))
                {
                    return Names[i];
                }
            }

            return "(row)";
        }

        public static HeaderLayout From(SepReader.Row header, SourceLayout layout)
        {
            var names = new string[header.ColCount];
            for (var i = 0; i < names.Length; i++)
            {
                // A NUL would cut the name short in the warehouse: show it as the NUL symbol.
                names[i] = layout.Normalize(header[i].ToString()).Replace('\0', NulSymbol);
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
