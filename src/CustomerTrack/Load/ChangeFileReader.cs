using System.Buffers;
using System.Text;
using CustomerTrack.Contract;
using nietras.SeparatedValues;

namespace CustomerTrack.Load;

/// <summary>One row that met the contract.</summary>
internal sealed class ParsedChange
{
    public long Line;
    public long CustomerId;
    public readonly string?[] Attributes = new string?[Columns.Attributes.Count];
    public DateTime? UpdatedAt;
    public string Op = ChangeOp.Upsert;
}

/// <summary>Where the reader hands each row: accepted, or rejected with the field and reason.</summary>
internal interface IChangeSink
{
    void Accept(ParsedChange change);

    void Reject(long line, string field, string reason, string raw);
}

/// <summary>What a file held.</summary>
internal sealed record FileReadSummary(long Rows, long Accepted, long Rejected, IReadOnlyList<string> UnknownColumns, string? FileError);

/// <summary>
/// Reads a change file with Sep and checks every row against the input contract (DESIGN.md §3).
/// A row that breaks it goes to the sink's Reject with line, field, reason and raw text; nothing is dropped.
/// </summary>
internal static class ChangeFileReader
{
    private const char Replacement = '\uFFFD';

    /// <summary>How a NUL is shown in what the warehouse keeps (DuckDB's appender ends a string at a NUL).</summary>
    internal const char NulSymbol = '\u2400';

    public static FileReadSummary Read(string path, int maxFieldBytes, IChangeSink sink)
    {
        using var reader = Sep.Reader(o => o with
        {
            Sep = new Sep(','),
            HasHeader = false,
            Unescape = true,
            DisableColCountCheck = true,
        }).FromFile(path);
        return Read(reader, maxFieldBytes, sink);
    }

    private static FileReadSummary Read(SepReader reader, int maxFieldBytes, IChangeSink sink)
    {
        var layout = default(HeaderLayout);
        long rows = 0, accepted = 0, rejected = 0;
        var raw = ArrayPool<char>.Shared.Rent(4096);
        var change = new ParsedChange();
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
                    layout = HeaderLayout.From(row);
                    continue;
                }

                rows++;
                string? field = "(header)";
                var error = layout.Error ?? Check(row, layout, raw.AsSpan(0, rawLength), maxFieldBytes, change, out field);

                if (error is null)
                {
                    change.Line = line;
                    sink.Accept(change);
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
        ParsedChange change, out string? field)
    {
        field = "(row)";
        if (raw.Count('"') % 2 != 0)
        {
            return "unclosed quote: the quoted field runs to the end of the file or row";
        }

        if (row.ColCount != layout.Count)
        {
            return $"has {row.ColCount} fields, the header has {layout.Count}";
        }

        if (raw.Contains('\0'))
        {
            field = layout.NameOf(raw, row);
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

        field = Columns.CustomerId;
        var id = row[layout.CustomerId].Span.Trim();
        if (id.IsEmpty)
        {
            return "is empty; every row needs a customer_id";
        }

        if (!long.TryParse(id, System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out change.CustomerId))
        {
            return $"'{Clip(id)}' is not a 64-bit integer";
        }

        change.UpdatedAt = null;
        if (layout.UpdatedAt >= 0)
        {
            field = Columns.UpdatedAt;
            var ts = row[layout.UpdatedAt].Span.Trim();
            if (!ts.IsEmpty)
            {
                var parsed = EventTime.TryParse(ts, out var utc);
                if (EventTime.OutOfRange(ts, parsed ? utc : null) is { } outOfRange)
                {
                    return outOfRange;
                }

                if (!parsed)
                {
                    return $"'{Clip(ts)}' is not an ISO 8601 timestamp (like 2026-11-27T10:15:00Z)";
                }

                change.UpdatedAt = utc;
            }
        }

        change.Op = ChangeOp.Upsert;
        if (layout.Op >= 0)
        {
            field = Columns.Op;
            var op = row[layout.Op].Span;
            var normalized = ChangeOp.Normalize(op);
            if (normalized is null)
            {
                return $"'{Clip(op)}' is not one of UPSERT, INSERT, UPDATE, DELETE, I, U, D";
            }

            change.Op = normalized;
        }

        for (var a = 0; a < change.Attributes.Length; a++)
        {
            var at = layout.Attributes[a];
            change.Attributes[a] = at < 0 || row[at].Span.IsEmpty ? null : row[at].ToString();
        }

        field = null;
        return null;
    }

    private static string Clip(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : string.Concat(s[..40], "…");

    /// <summary>Where each contract column stands in this file's header, and what is wrong with the header.</summary>
    private sealed class HeaderLayout
    {
        public required string[] Names { get; init; }
        public int Count => Names.Length;
        public int CustomerId { get; init; } = -1;
        public int UpdatedAt { get; init; } = -1;
        public int Op { get; init; } = -1;
        public required int[] Attributes { get; init; }
        public required IReadOnlyList<string> Unknown { get; init; }
        public string? Error { get; init; }

        public string NameOf(ReadOnlySpan<char> raw, SepReader.Row row)
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

        public static HeaderLayout From(SepReader.Row header)
        {
            var names = new string[header.ColCount];
            for (var i = 0; i < names.Length; i++)
            {
                // A NUL would cut the name short in the warehouse: show it as the NUL symbol.
                names[i] = header[i].ToString().Trim().TrimStart('\uFEFF').ToLowerInvariant().Replace('\0', NulSymbol);
            }

            var attributes = Columns.Attributes.Select(a => Array.IndexOf(names, a)).ToArray();
            var known = new HashSet<string>(Columns.Attributes) { Columns.CustomerId, Columns.UpdatedAt, Columns.Op };
            var duplicate = names.Where(n => n.Length > 0).GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
            var customerId = Array.IndexOf(names, Columns.CustomerId);
            string? error = null;
            if (duplicate is not null)
            {
                error = $"the header names column '{duplicate}' twice";
            }
            else if (customerId < 0)
            {
                error = "the header has no customer_id column (is the header row missing?)";
            }

            return new HeaderLayout
            {
                Names = names,
                CustomerId = customerId,
                UpdatedAt = Array.IndexOf(names, Columns.UpdatedAt),
                Op = Array.IndexOf(names, Columns.Op),
                Attributes = attributes,
                Unknown = names.Where(n => n.Length > 0 && !known.Contains(n)).Distinct().ToArray(),
                Error = error,
            };
        }
    }
}
