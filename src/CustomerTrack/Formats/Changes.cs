using System.Globalization;
using CustomerTrack.Contract;
using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>One row that met its table's contract: its values typed, in the table's column order (key, then attributes).</summary>
internal sealed class ParsedChange(int columns)
{
    /// <summary>The file's line (CSV, NDJSON) or row number (Parquet).</summary>
    public long Line;

    /// <summary>Key then attribute values, each of its column's CLR type (long, int, double, decimal, bool, DateOnly, DateTime, string) or null.</summary>
    public readonly object?[] Values = new object?[columns];

    /// <summary>The event time the row gave; null when the file has no event-time column or the field is empty.</summary>
    public DateTime? EventTime;

    public ChangeKind Kind = ChangeKind.Upsert;

    /// <summary>The canonical op text the ledger keeps.</summary>
    public string OpText => Kind switch
    {
        ChangeKind.Insert => ChangeOp.Insert,
        ChangeKind.Update => ChangeOp.Update,
        ChangeKind.Delete => ChangeOp.Delete,
        _ => ChangeOp.Upsert,
    };
}

/// <summary>Where a reader hands each row: accepted, or rejected with the field and reason.</summary>
internal interface IChangeSink
{
    void Accept(ParsedChange change);

    void Reject(long line, string field, string reason, string raw);
}

/// <summary>What a file held. <paramref name="FileError"/> says why a whole file could not be read.</summary>
internal sealed record FileReadSummary(long Rows, long Accepted, long Rejected, IReadOnlyList<string> UnknownColumns, string? FileError)
{
    /// <summary>The first rejected row's line, field and reason, when the read was recorded (<see cref="PassRecord"/>).</summary>
    public (long Line, string Field, string Reason)? FirstReject { get; init; }
}

/// <summary>
/// Where each of a file's columns goes in its table: a key or attribute slot, the event time, the op, or nowhere (an
/// unknown column). Names match trimmed and ignoring case, after the definition's Rename.
/// </summary>
internal sealed class SourceLayout
{
    public const int Unknown = -1;
    public const int EventTimeSlot = -2;
    public const int OpSlot = -3;

    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);

    public SourceLayout(TableDefinition table)
    {
        Table = table;
        var i = 0;
        foreach (var column in table.Columns)
        {
            _slots[column.Name] = i++;
        }

        Types = table.Columns.Select(c => c.Type).ToArray();
        Names = table.Columns.Select(c => c.Name).ToArray();
        if (table.EventTime is { } e)
        {
            _slots[e] = EventTimeSlot;
        }

        if (table.Op is { } op)
        {
            _slots[op.Column] = OpSlot;
        }
    }

    public TableDefinition Table { get; }

    /// <summary>The type of each slot.</summary>
    public ColumnType[] Types { get; }

    /// <summary>The column name of each slot.</summary>
    public string[] Names { get; }

    public int KeyCount => Table.Key.Count;

    /// <summary>A file column's name as the table knows it: trimmed, lower case, renamed.</summary>
    public string Normalize(string name)
    {
        // A NUL would cut the name short in the warehouse: it shows as the NUL symbol.
        var n = name.Trim().TrimStart('\uFEFF').ToLowerInvariant().Replace('\0', CsvChangeReader.NulSymbol);
        return Table.Rename.TryGetValue(n, out var renamed) ? renamed : n;
    }

    /// <summary>The slot of a normalised name.</summary>
    public int SlotOf(string normalized) => _slots.GetValueOrDefault(normalized, Unknown);
}

/// <summary>Values of a table's types from text (CSV, JSON strings) and from native values (JSON numbers, Parquet).</summary>
internal static class Values
{
    /// <summary>Parses <paramref name="text"/> (not empty) as <paramref name="type"/>; returns the reason when it does not fit.</summary>
    public static string? FromText(ReadOnlySpan<char> text, ColumnType type, out object? value)
    {
        value = null;
        var t = type.Kind == ColumnKind.String ? text : text.Trim();
        switch (type.Kind)
        {
            case ColumnKind.String:
                value = t.ToString();
                return null;
            case ColumnKind.Int64:
                if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    value = l;
                    return null;
                }

                return $"'{Clip(t)}' is not a 64-bit integer";
            case ColumnKind.Int32:
                if (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    value = n;
                    return null;
                }

                return $"'{Clip(t)}' is not a 32-bit integer";
            case ColumnKind.Double:
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    value = d;
                    return null;
                }

                return $"'{Clip(t)}' is not a number";
            case ColumnKind.Decimal:
                return DecimalText.Parse(t, type, out value);
            case ColumnKind.Bool:
                if (Bool(t) is { } b)
                {
                    value = b;
                    return null;
                }

                return $"'{Clip(t)}' is not a boolean (true or false)";
            case ColumnKind.Date:
                if (DateOnly.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    value = date;
                    return null;
                }

                return $"'{Clip(t)}' is not a date (like 2026-11-27)";
            default:
                if (Contract.EventTime.TryParse(t, out var ts))
                {
                    value = ts;
                    return null;
                }

                return $"'{Clip(t)}' is not an ISO 8601 timestamp (like 2026-11-27T10:15:00Z)";
        }
    }

    /// <summary>
    /// Takes a native value (a Parquet cell, a JSON number or boolean) as <paramref name="type"/> when it fits, converting
    /// through its text otherwise.
    /// </summary>
    public static string? FromNative(object native, ColumnType type, out object? value)
    {
        value = null;
        switch (type.Kind, native)
        {
            case (ColumnKind.String, string s):
                value = s;
                return null;
            case (ColumnKind.Int64, long or int or short or sbyte or byte or ushort or uint):
                value = Convert.ToInt64(native, CultureInfo.InvariantCulture);
                return null;
            case (ColumnKind.Int32, int or short or sbyte or byte or ushort):
                value = Convert.ToInt32(native, CultureInfo.InvariantCulture);
                return null;
            case (ColumnKind.Double, double or float or long or int or short or byte or decimal):
                value = Convert.ToDouble(native, CultureInfo.InvariantCulture);
                return null;
            case (_, Stream or byte[]):
                return "is binary (a BLOB); binary values have no text form and are not stored";
            case (ColumnKind.Bool, bool b):
                value = b;
                return null;
            case (ColumnKind.Date, DateOnly d):
                value = d;
                return null;
            case (ColumnKind.Date, DateTime dt) when dt.TimeOfDay == TimeSpan.Zero:
                value = DateOnly.FromDateTime(dt);
                return null;
            case (ColumnKind.Timestamp, DateTime dt):
                value = Contract.EventTime.Truncate(DateTime.SpecifyKind(dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt, DateTimeKind.Utc));
                return null;
            case (ColumnKind.Timestamp, DateTimeOffset dto):
                value = Contract.EventTime.Truncate(dto.UtcDateTime);
                return null;
            case (ColumnKind.Timestamp, DateOnly d):
                value = d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                return null;
        }

        var text = Text(native);
        return text.Contains('\0', StringComparison.Ordinal) ? NulReason : FromText(text, type, out value);
    }

    /// <summary>Why a value holding a NUL is rejected: no engine keeps one in a string (DuckDB's appender ends a string there).</summary>
    public const string NulReason = "contains a NUL byte";

    /// <summary>
    /// A native value as text, the way it would be written in a CSV file: a time keeps its seconds and fraction, and a
    /// nested value (a Parquet STRUCT, LIST or MAP) is JSON text, as NDJSON keeps nested values.
    /// </summary>
    public static string Text(object native) => native switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTime dt => dt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        Stream or byte[] => "(binary)",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IDictionary or System.Collections.IEnumerable => System.Text.Json.JsonSerializer.Serialize(native),
        _ => native.ToString() ?? "",
    };

    private static bool? Bool(ReadOnlySpan<char> t)
    {
        foreach (var (word, b) in (ReadOnlySpan<(string, bool)>)[("true", true), ("false", false), ("t", true), ("f", false), ("1", true), ("0", false), ("yes", true), ("no", false), ("y", true), ("n", false)])
        {
            if (t.Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                return b;
            }
        }

        return null;
    }

    public static string Clip(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : string.Concat(s[..40], "…");
}
