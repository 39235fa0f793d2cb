using System.Globalization;
using System.Text.RegularExpressions;
using CustomerTrack.Formats;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse.DuckDb;

namespace CustomerTrack.Init;

/// <summary>How a CSV sample writes its values, as guessed: the settings <c>init</c> writes besides the dialect.</summary>
internal sealed record SampleLocale(char DecimalSeparator, char ThousandsSeparator, string? DateFormat, string? TimestampFormat)
{
    public CsvOptions Apply(CsvOptions csv) => csv with
    {
        DecimalSeparator = DecimalSeparator,
        ThousandsSeparator = ThousandsSeparator,
        DateFormat = DateFormat,
        TimestampFormat = TimestampFormat,
    };
}

/// <summary>
/// The types of a CSV sample's columns, guessed from its values as CustomerTrack's own reader will read them (DuckDB's
/// sniffer reads <c>1.250</c> as 1.25 and knows no decimal comma): first how the file writes numbers, dates and
/// timestamps (<see cref="SampleLocale"/>), then per column the narrowest type under which every value of the sample
/// is read as its text says (<see cref="CsvValueText"/> and the shared typing), else string. A value whose type would
/// lose what its text says (a leading zero, more digits than a double keeps) keeps its column a string.
/// </summary>
internal static partial class SampleTyping
{
    /// <summary>The most rows of a sample the guess looks at (<c>init</c>'s check still loads the whole sample).</summary>
    private const int MaxRows = 100_000;

    private static readonly string[] DatePatterns = ["yyyy-MM-dd", "dd.MM.yyyy", "d.M.yyyy", "dd/MM/yyyy", "MM/dd/yyyy", "yyyy/MM/dd", "dd-MM-yyyy", "yyyyMMdd"];

    private static readonly string[] TimestampPatterns =
    [
        "dd.MM.yyyy HH:mm:ss", "dd.MM.yyyy HH:mm", "d.M.yyyy HH:mm:ss", "d.M.yyyy HH:mm", "dd/MM/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm",
        "MM/dd/yyyy HH:mm:ss", "MM/dd/yyyy HH:mm", "yyyy/MM/dd HH:mm:ss", "dd-MM-yyyy HH:mm:ss",
    ];

    // Values that are plainly numbers in one of the ways files write them: digits, signs, . and , only.
    [GeneratedRegex(@"^[+-]?[0-9][0-9.,]*$")]
    private static partial Regex Numeric();

    // A comma that can only be a decimal comma: not followed by exactly three digits, or after a dot-grouped part.
    [GeneratedRegex(@"^[+-]?([0-9]+|[0-9]{1,3}(\.[0-9]{3})+),([0-9]{1,2}|[0-9]{4,})$|^[+-]?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+$")]
    private static partial Regex CommaDecimal();

    // A point that can only be a decimal point.
    [GeneratedRegex(@"^[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)\.([0-9]{1,2}|[0-9]{4,})$|^[+-]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+$")]
    private static partial Regex PointDecimal();

    [GeneratedRegex(@"^[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$")]
    private static partial Regex DotGrouped();

    [GeneratedRegex(@"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")]
    private static partial Regex CommaGrouped();

    [GeneratedRegex(@"^[+-]?0[0-9]")]
    private static partial Regex LeadingZero();

    /// <summary>
    /// Each column's values in the sample (trimmed, not empty), as CustomerTrack's CSV reader splits the file, and the
    /// header row's names as the reader sees them (DuckDB's own are made unique: <c>name</c> and <c>name_1</c>), or
    /// null without a header.
    /// </summary>
    public static (string[]? Header, List<string>[] Values) Values(string path, SniffedFile file, int maxFieldBytes)
    {
        var values = file.Columns.Select(_ => new List<string>()).ToArray();
        string[]? header = null;
        using var rows = new CsvRows(new FileChars(path, latin1: false), file.Csv.Delimiter, file.Csv.Quote, maxFieldBytes);
        var first = file.Csv.Header;
        var taken = 0;
        while (taken < MaxRows && rows.Next())
        {
            if (rows.Blank || rows.Error is not null || rows.Count != values.Length)
            {
                continue;
            }

            if (first)
            {
                first = false;
                header = Enumerable.Range(0, rows.Count).Select(i => rows[i].Trim().TrimStart('\uFEFF')).ToArray();
                continue;
            }

            taken++;
            for (var i = 0; i < values.Length; i++)
            {
                var v = rows[i].Trim();
                if (v.Length > 0)
                {
                    values[i].Add(v);
                }
            }
        }

        return (header, values);
    }

    /// <summary>How the sample writes numbers, dates and timestamps, and each column's type under it.</summary>
    public static SampleLocale Guess(List<string>[] values, ColumnType[] types, char delimiter, List<string> notes)
    {
        var numeric = values.SelectMany(v => v).Where(v => Numeric().IsMatch(v)).ToList();
        var comma = numeric.Any(v => CommaDecimal().IsMatch(v));
        var point = numeric.Any(v => PointDecimal().IsMatch(v));
        char decimalSeparator = '.', thousands = '\0';
        if (comma && !point)
        {
            decimalSeparator = ',';
            thousands = numeric.Any(v => DotGrouped().IsMatch(v)) ? '.' : '\0';
        }
        else if (point && !comma)
        {
            thousands = numeric.Any(v => v.Contains(',', StringComparison.Ordinal)) && numeric.Where(v => v.Contains(',', StringComparison.Ordinal)).All(v => CommaGrouped().IsMatch(v)) ? ',' : '\0';
        }
        else if (!point && !comma && delimiter == ';' && numeric.Any(v => DotGrouped().IsMatch(v)) && !numeric.Any(v => v.Contains(',', StringComparison.Ordinal)))
        {
            // 1.250 alone in a file delimited by ';' (the delimiter of locales with a decimal comma): a grouped thousand.
            decimalSeparator = ',';
            thousands = '.';
        }

        if (decimalSeparator != '.' || thousands != '\0')
        {
            notes.Add($"numbers: DecimalSeparator '{decimalSeparator}'" + (thousands == '\0' ? "" : $", ThousandsSeparator '{thousands}'")
                + $" (from values such as {string.Join(", ", numeric.Where(v => v.Contains(',') || v.Contains('.')).Distinct().Take(3))})");
        }

        var numbers = new CsvOptions(DecimalSeparator: decimalSeparator, ThousandsSeparator: thousands);
        string? dateFormat = null, timestampFormat = null;
        for (var i = 0; i < types.Length; i++)
        {
            var column = values[i];
            if (column.Count == 0 || types[i].Kind == ColumnKind.Bool)
            {
                continue;
            }

            types[i] = Number(column, types[i], numbers)
                ?? Date(column, ref dateFormat)
                ?? Timestamp(column, ref timestampFormat)
                ?? ColumnType.String;
        }

        dateFormat = dateFormat == "yyyy-MM-dd" ? null : dateFormat;
        timestampFormat = timestampFormat == Iso ? null : timestampFormat;
        if (dateFormat is not null)
        {
            notes.Add($"dates: DateFormat {dateFormat}");
        }

        if (timestampFormat is not null)
        {
            notes.Add($"timestamps: TimestampFormat {timestampFormat}");
        }

        return new SampleLocale(decimalSeparator, thousands, dateFormat, timestampFormat);
    }

    /// <summary>An integer or a number type under which every value reads as its text says, or null.</summary>
    private static ColumnType? Number(List<string> column, ColumnType sniffed, CsvOptions csv)
    {
        if (!column.All(v => Numeric().IsMatch(v)) || column.Any(v => LeadingZero().IsMatch(v)))
        {
            return null;
        }

        var texts = new List<string>(column.Count);
        foreach (var v in column)
        {
            if (CsvValueText.Normalise(v, ColumnType.Double, csv, out var n) is not null)
            {
                return null;
            }

            texts.Add(n);
        }

        if (texts.All(t => long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            var fits32 = texts.All(t => int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
            return sniffed.Kind == ColumnKind.Int32 && fits32 ? ColumnType.Int32 : ColumnType.Int64;
        }

        if (sniffed.Kind == ColumnKind.Decimal && texts.All(t => Formats.Values.FromText(t, sniffed, out _) is null))
        {
            return sniffed;
        }

        // A double keeps about 15 significant digits: a value with more would be stored as another number.
        var exact = texts.All(t => decimal.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
            && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            && SameNumber(d, m));
        return exact ? ColumnType.Double : null;
    }

    private static bool SameNumber(double d, decimal m)
    {
        try
        {
            return (decimal)d == m;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>
    /// Date when every value is a date in the table's one date pattern (the first date column decides it; ISO 8601 is
    /// <c>yyyy-MM-dd</c>), or null.
    /// </summary>
    private static ColumnType? Date(List<string> column, ref string? dateFormat)
    {
        var pattern = Pattern(column, dateFormat, DatePatterns, (v, p) =>
            DateOnly.TryParseExact(v, p, CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
        if (pattern is null)
        {
            return null;
        }

        dateFormat ??= pattern;
        return ColumnType.Date;
    }

    /// <summary>Timestamp when every value is ISO 8601, or every value is in the table's one timestamp pattern; or null.</summary>
    private static ColumnType? Timestamp(List<string> column, ref string? timestampFormat)
    {
        if (timestampFormat is null or Iso && column.All(v => Contract.EventTime.TryParse(v, out _)))
        {
            timestampFormat = Iso;
            return ColumnType.Timestamp;
        }

        var pattern = timestampFormat == Iso ? null : Pattern(column, timestampFormat, TimestampPatterns, (v, p) =>
            DateTimeOffset.TryParseExact(v, p, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _));
        if (pattern is null)
        {
            return null;
        }

        timestampFormat ??= pattern;
        return ColumnType.Timestamp;
    }

    /// <summary>The timestamp "pattern" of a table whose timestamp columns are ISO 8601 (no TimestampFormat).</summary>
    private const string Iso = "ISO 8601";

    /// <summary>
    /// The one pattern every value matches: the table's pattern when it has one, else the only candidate that fits. Two
    /// candidates that both fit (01/02/2026: day first or month first?) are no guess: the column stays a string.
    /// </summary>
    private static string? Pattern(List<string> column, string? chosen, string[] candidates, Func<string, string, bool> parses)
    {
        if (chosen is not null)
        {
            return column.All(v => parses(v, chosen)) ? chosen : null;
        }

        var fitting = candidates.Where(p => column.All(v => parses(v, p))).ToList();
        if (fitting.Count > 1 && fitting.Contains("dd.MM.yyyy") && fitting.Contains("d.M.yyyy"))
        {
            fitting.Remove("d.M.yyyy");
        }

        if (fitting.Count > 1 && fitting.Contains("dd.MM.yyyy HH:mm:ss") && fitting.Contains("d.M.yyyy HH:mm:ss"))
        {
            fitting.Remove("d.M.yyyy HH:mm:ss");
        }

        if (fitting.Count > 1 && fitting.Contains("dd.MM.yyyy HH:mm") && fitting.Contains("d.M.yyyy HH:mm"))
        {
            fitting.Remove("d.M.yyyy HH:mm");
        }

        return fitting.Count == 1 ? fitting[0] : null;
    }
}
