using System.Buffers;
using System.Globalization;

namespace CustomerTrack.Warehouse.Postgres;

/// <summary>
/// Values in PostgreSQL's COPY text format (tab between columns, <c>\N</c> for NULL, backslash escapes), written to
/// Npgsql's text import. Used for staging rows instead of the binary importer: profiled, Npgsql's binary
/// <c>Write&lt;T&gt;</c> goes through a parameter, a type resolution and a bind for every value, which was most of the
/// staging's CPU (and far more while that code is still unoptimised tier-0 code on a busy machine); text costs one
/// formatting call per value. Formats are the ones the server reads back exactly: timestamps to the microsecond (the
/// warehouse's precision, truncated as the binary path did), doubles round-trip, decimals and dates invariant.
/// </summary>
internal static class CopyText
{
    // The only characters the text format gives a meaning to inside a value (besides \N as a whole value).
    private static readonly SearchValues<char> Special = SearchValues.Create("\\\t\n\r");

    public static void Null(TextWriter w) => w.Write("\\N");

    public static void String(TextWriter w, string s)
    {
        var rest = s.AsSpan();
        int at;
        while ((at = rest.IndexOfAny(Special)) >= 0)
        {
            w.Write(rest[..at]);
            w.Write(rest[at] switch
            {
                '\\' => "\\\\",
                '\t' => "\\t",
                '\n' => "\\n",
                _ => "\\r",
            });
            rest = rest[(at + 1)..];
        }

        w.Write(rest);
    }

    /// <summary>A <c>timestamp</c> (without time zone): the value's clock reading to the microsecond; Npgsql's infinities kept.</summary>
    public static void Timestamp(TextWriter w, DateTime t)
    {
        if (t == DateTime.MinValue || t == DateTime.MaxValue)
        {
            w.Write(t == DateTime.MinValue ? "-infinity" : "infinity");
            return;
        }

        Formatted(w, t, "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff");
    }

    public static void Int64(TextWriter w, long l) => Formatted(w, l, default);

    public static void Bool(TextWriter w, bool b) => w.Write(b ? 't' : 'f');

    /// <summary>Any value a ledger column holds (<see cref="Formats.Values"/>' types).</summary>
    public static void Value(TextWriter w, object? value)
    {
        switch (value)
        {
            case null:
                Null(w);
                break;
            case string s:
                String(w, s);
                break;
            case DateTime t:
                Timestamp(w, t);
                break;
            case bool b:
                Bool(w, b);
                break;
            case long l:
                Int64(w, l);
                break;
            case int i:
                Formatted(w, i, default);
                break;
            case double d:
                Formatted(w, d, "R");
                break;
            case decimal m:
                Formatted(w, m, default);
                break;
            case Formats.ExactDecimal e:
                // Past .NET's decimal: its exact digits, which the server's numeric input reads exactly.
                w.Write(e.ToString());
                break;
            case DateOnly date when date == DateOnly.MinValue || date == DateOnly.MaxValue:
                w.Write(date == DateOnly.MinValue ? "-infinity" : "infinity");
                break;
            case DateOnly date:
                Formatted(w, date, "yyyy'-'MM'-'dd");
                break;
            default:
                throw new ArgumentException($"no COPY text form for a {value.GetType().Name}", nameof(value));
        }
    }

    private static void Formatted<T>(TextWriter w, T value, ReadOnlySpan<char> format) where T : ISpanFormattable
    {
        Span<char> buffer = stackalloc char[64];
        if (!value.TryFormat(buffer, out var written, format, CultureInfo.InvariantCulture))
        {
            w.Write(value.ToString(format.IsEmpty ? null : format.ToString(), CultureInfo.InvariantCulture));
            return;
        }

        w.Write(buffer[..written]);
    }
}
