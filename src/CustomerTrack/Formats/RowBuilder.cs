using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>
/// Turns one row's cells, from whatever format, into a <see cref="ParsedChange"/> of its table, or the field and reason
/// it is rejected for. Every reader checks in the same order: the key, the event time, the op, then the attributes.
/// </summary>
internal sealed class RowBuilder(SourceLayout layout)
{
    public SourceLayout Layout { get; } = layout;

    public ParsedChange Change { get; } = new(layout.Types.Length);

    /// <summary>Starts a row: every value NULL, no event time, an UPSERT.</summary>
    public void Begin(long line)
    {
        Change.Line = line;
        Array.Clear(Change.Values);
        Change.EventTime = null;
        Change.Kind = ChangeKind.Upsert;
    }

    /// <summary>Sets a key or attribute slot from text; empty is NULL (and a key may not be NULL).</summary>
    public string? Text(int slot, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || ((slot < Layout.KeyCount || Layout.Types[slot].Kind != ColumnKind.String) && text.IsWhiteSpace()))
        {
            return slot < Layout.KeyCount ? MissingKey(slot) : null;
        }

        if (text.Contains('\0'))
        {
            return Values.NulReason;
        }

        var error = Values.FromText(text, Layout.Types[slot], out var value);
        Change.Values[slot] = value;
        return error;
    }

    /// <summary>Sets a key or attribute slot from a native value; null is NULL; a string holding a NUL is rejected.</summary>
    public string? Native(int slot, object? native)
    {
        if (native is null or DBNull || (native is string s && s.Length == 0))
        {
            return slot < Layout.KeyCount ? MissingKey(slot) : null;
        }

        if (native is string text && text.Contains('\0', StringComparison.Ordinal))
        {
            return Values.NulReason;
        }

        var error = Values.FromNative(native, Layout.Types[slot], out var value);
        Change.Values[slot] = value;
        return error;
    }

    /// <summary>The event time from text; empty leaves the row sequenced by load time and position.</summary>
    public string? EventTime(ReadOnlySpan<char> text)
    {
        var ts = text.Trim();
        if (ts.IsEmpty)
        {
            return null;
        }

        var format = Layout.Table.EventTimeFormat;
        var parsed = format.TryParse(ts, out var utc);
        if (Contract.EventTime.OutOfRange(ts, parsed ? utc : null) is { } outOfRange)
        {
            return outOfRange;
        }

        if (!parsed)
        {
            return $"'{Values.Clip(ts)}' is not {format.Expected}";
        }

        Change.EventTime = utc;
        return null;
    }

    /// <summary>The event time from a native value (Parquet's timestamps); text goes through <see cref="EventTime(ReadOnlySpan{char})"/>.</summary>
    public string? EventTime(object? native)
    {
        switch (native)
        {
            case null or DBNull:
                return null;
            case string s:
                return EventTime(s.AsSpan());
            case long or int or short or decimal or double when Layout.Table.EventTimeFormat.IsEpoch:
                return EventTime(Values.Text(native).AsSpan());
        }

        var error = Values.FromNative(native, ColumnType.Timestamp, out var value);
        Change.EventTime = value as DateTime?;
        return error ?? (Change.EventTime is { } t ? Contract.EventTime.OutOfRange(Contract.EventTime.Format(t), t) : null);
    }

    /// <summary>The op from its text, mapped by the table's Op values.</summary>
    public string? Op(ReadOnlySpan<char> text)
    {
        var mapping = Layout.Table.Op!;
        if (mapping.Map(text) is not { } kind)
        {
            return $"'{Values.Clip(text)}' is not one of {mapping.Described}";
        }

        Change.Kind = kind;
        return null;
    }

    private string MissingKey(int slot) => $"is empty; every row needs a {Layout.Names[slot]}";
}
