using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>
/// A CSV value written in the table's own way (<see cref="CsvOptions"/>: <c>1.250,5</c>, <c>01.12.2026</c>) turned into
/// the form the shared typing (<see cref="Values.FromText"/>) reads: <c>1250.5</c>, <c>2026-12-01</c>. A step before the
/// typing, never a second typing: a value that does not match the table's way of writing is the row's reject with the
/// reason, never a value read another way (<c>1.250</c> is 1250 with ThousandsSeparator <c>.</c>, and without it no
/// integer at all, never 1.25 in an integer column).
/// </summary>
internal static class CsvValueText
{
    /// <summary>
    /// <paramref name="text"/> as the shared typing reads it for a column of <paramref name="type"/>, or the reason it
    /// does not match <paramref name="csv"/>. Text of string, bool and other columns, and any text when the table
    /// writes values the invariant way, is returned as it is.
    /// </summary>
    public static string? Normalise(string text, ColumnType type, CsvOptions csv, out string normalised)
    {
        normalised = text;
        if (csv.Invariant || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return type.Kind switch
        {
            ColumnKind.Int32 or ColumnKind.Int64 or ColumnKind.Double or ColumnKind.Decimal => Number(text.Trim(), type, csv, ref normalised),
            ColumnKind.Date when csv.DateFormat is { } pattern => Date(text.Trim(), pattern, ref normalised),
            ColumnKind.Timestamp when csv.TimestampFormat is { } pattern => Timestamp(text.Trim(), pattern, ref normalised),
            _ => null,
        };
    }

    /// <summary>How a number of this table is written, for reasons: "decimal separator ',', thousands separator '.'".</summary>
    public static string Described(CsvOptions csv) =>
        $"DecimalSeparator '{csv.DecimalSeparator}'" + (csv.ThousandsSeparator == '\0' ? ", no ThousandsSeparator" : $", ThousandsSeparator '{csv.ThousandsSeparator}'");

    // Per (decimal separator, thousands separator, integer column): the shape a number must have. A check of the
    // shape only; the shared typing does the reading.
    private static readonly ConcurrentDictionary<(char, char, bool), Regex> Shapes = new();

    private static string? Number(string t, ColumnType type, CsvOptions csv, ref string normalised)
    {
        var integral = type.Kind is ColumnKind.Int32 or ColumnKind.Int64;
        var shape = Shapes.GetOrAdd((csv.DecimalSeparator, csv.ThousandsSeparator, integral), key =>
        {
            var (ds, ts, whole) = key;
            // 1.250.000 groups by three after a first group of one to three digits; 12.50 or 1.2500 is no grouping.
            var integer = ts == '\0' ? @"\d+" : $@"(?:\d{{1,3}}(?:{Regex.Escape(ts.ToString())}\d{{3}})+|\d+)";
            var fraction = whole ? "" : $@"(?:{Regex.Escape(ds.ToString())}\d+)?(?:[eE][+-]?\d+)?";
            return new Regex($"^[+-]?{integer}{fraction}$", RegexOptions.CultureInvariant);
        });
        if (!shape.IsMatch(t))
        {
            return $"'{Values.Clip(t)}' is not {(integral ? "an integer" : "a number")} as this table writes them ({Described(csv)})";
        }

        var text = csv.ThousandsSeparator == '\0' ? t : t.Replace(csv.ThousandsSeparator.ToString(), "", StringComparison.Ordinal);
        normalised = csv.DecimalSeparator == '.' ? text : text.Replace(csv.DecimalSeparator, '.');
        return null;
    }

    private static string? Date(string t, string pattern, ref string normalised)
    {
        if (!DateOnly.TryParseExact(t, pattern, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return $"'{Values.Clip(t)}' is not a date as this table writes them (DateFormat {pattern})";
        }

        normalised = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return null;
    }

    private static string? Timestamp(string t, string pattern, ref string normalised)
    {
        if (!DateTimeOffset.TryParseExact(t, pattern, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts))
        {
            return $"'{Values.Clip(t)}' is not a timestamp as this table writes them (TimestampFormat {pattern})";
        }

        normalised = ts.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        return null;
    }

    /// <summary>Whether <paramref name="pattern"/> is a .NET pattern that writes and reads back a date (or a timestamp) whole.</summary>
    public static bool RoundTrips(string pattern, bool timestamp)
    {
        try
        {
            var sample = new DateTime(2026, 12, 31, timestamp ? 23 : 0, timestamp ? 59 : 0, timestamp ? 58 : 0, DateTimeKind.Utc);
            var text = sample.ToString(pattern, CultureInfo.InvariantCulture);
            if (timestamp)
            {
                return DateTimeOffset.TryParseExact(text, pattern, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var back)
                    && back.UtcDateTime.Date == sample.Date && back.UtcDateTime.Hour == 23;
            }

            return DateOnly.TryParseExact(text, pattern, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d == DateOnly.FromDateTime(sample);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
