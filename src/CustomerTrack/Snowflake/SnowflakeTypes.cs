using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>
/// How a definition's column types are spelt in Snowflake, and how a raw text value becomes one. Every value is first
/// held to the shape our readers take (<see cref="Shape"/>, the same rule as Values.FromText and EventTime), then
/// parsed with a pinned format: Snowflake's TRY_TO_DATE and TRY_TO_TIMESTAMP_TZ otherwise follow the session's
/// DATE_INPUT_FORMAT / TIMESTAMP_INPUT_FORMAT, whose AUTO reads '20260101' as a 1970 date and takes MM/DD/YYYY, which
/// our engines reject. Whole numbers are range-checked: NUMBER(10,0) and NUMBER(19,0) hold more than int32 and int64.
/// </summary>
internal static class SnowflakeTypes
{
    public static string Sql(ColumnType type) => type.Kind switch
    {
        ColumnKind.String => "VARCHAR",
        ColumnKind.Int32 => "NUMBER(10,0)",
        ColumnKind.Int64 => "NUMBER(19,0)",
        ColumnKind.Double => "FLOAT",
        ColumnKind.Decimal => $"NUMBER({type.Precision},{type.Scale})",
        ColumnKind.Bool => "BOOLEAN",
        ColumnKind.Date => "DATE",
        _ => "TIMESTAMP_NTZ",
    };

    /// <summary>A whole number: what int.TryParse / long.TryParse take with AllowLeadingSign (no spaces inside, no point).</summary>
    public const string WholeShape = "[+-]?[0-9]+";

    /// <summary>A number as double / decimal TryParse take it with NumberStyles.Float (no thousands, no 'NaN' or 'inf').</summary>
    public const string NumberShape = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?";

    /// <summary>A date as yyyy-MM-dd.</summary>
    public const string DateShape = "[0-9]{4}-[0-9]{2}-[0-9]{2}";

    /// <summary>
    /// An event time as EventTime takes it: a date, or a date, T (or t) or a space, HH:mm, optionally :ss and fraction
    /// digits (those past the microsecond are cut), and optionally Z (or z) or ±hh:mm. No backslash anywhere, so
    /// the pattern reads the same in a SQL string.
    /// </summary>
    public const string TimestampShape = "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?";

    /// <summary>Booleans as our readers take them: true, false, t, f, yes, no, y, n (any case), 1, 0 (TRY_TO_BOOLEAN also takes on and off).</summary>
    public const string BoolShape = "([tT]([rR][uU][eE])?|[fF]([aA][lL][sS][eE])?|[yY]([eE][sS])?|[nN][oO]?|1|0)";

    /// <summary>The shape a raw value of <paramref name="kind"/> must have before it is parsed, or null (text).</summary>
    public static string? Shape(ColumnKind kind) => kind switch
    {
        ColumnKind.String => null,
        ColumnKind.Int32 or ColumnKind.Int64 => WholeShape,
        ColumnKind.Double or ColumnKind.Decimal => NumberShape,
        ColumnKind.Bool => BoolShape,
        ColumnKind.Date => DateShape,
        _ => TimestampShape,
    };

    /// <summary>
    /// The typed value of the raw text <paramref name="raw"/>, NULL when it is not one. RLIKE matches the whole value, so
    /// the shape check is anchored. Timestamps with an offset are turned to UTC; without one they are UTC (our rule),
    /// whatever the session's time zone: the text is given the offset +00:00 before it is parsed.
    /// </summary>
    public static string Typed(ColumnType type, string raw)
    {
        var t = $"TRIM({raw})";
        string When(string shape, string value) => $"CASE WHEN {t} RLIKE '{shape}' THEN {value} END";
        return type.Kind switch
        {
            ColumnKind.String => raw,
            ColumnKind.Int32 => When(WholeShape, $"CASE WHEN TRY_TO_NUMBER({t}, 38, 0) BETWEEN {int.MinValue} AND {int.MaxValue} THEN TRY_TO_NUMBER({t}, 10, 0) END"),
            ColumnKind.Int64 => When(WholeShape, $"CASE WHEN TRY_TO_NUMBER({t}, 38, 0) BETWEEN {long.MinValue} AND {long.MaxValue} THEN TRY_TO_NUMBER({t}, 19, 0) END"),
            ColumnKind.Double => When(NumberShape, $"TRY_TO_DOUBLE({t})"),
            ColumnKind.Decimal => When(NumberShape, $"TRY_TO_NUMBER({t}, {type.Precision}, {type.Scale})"),
            ColumnKind.Bool => When(BoolShape, $"TRY_TO_BOOLEAN({t})"),
            ColumnKind.Date => When(DateShape, $"TRY_TO_DATE({t}, 'YYYY-MM-DD')"),
            _ => When(TimestampShape, Timestamp(t)),
        };
    }

    /// <summary>
    /// An ISO text of <see cref="TimestampShape"/> as TIMESTAMP_NTZ in UTC, with pinned formats: digits past the microsecond are cut, Z becomes +00:00, +0200
    /// +02:00, a date alone midnight, a missing offset +00:00 and the T a space, so three formats cover every shape.
    /// </summary>
    private static string Timestamp(string t)
    {
        var n = $"REGEXP_REPLACE({t}, '([.][0-9]{{6}})[0-9]+', '{Backref}')";
        n = $"REGEXP_REPLACE({n}, '[Zz]$', '+00:00')";
        n = $"REGEXP_REPLACE({n}, '([+-][0-9]{{2}})([0-9]{{2}})$', '{Backref}:\\\\2')";
        n = $"REGEXP_REPLACE({n}, '^([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})$', '{Backref} 00:00')";
        n = $"REGEXP_REPLACE({n}, '^([0-9-]{{10}}[Tt ][0-9:.]+)$', '{Backref}+00:00')";
        n = $"REGEXP_REPLACE({n}, '^([0-9-]{{10}})[Tt]', '{Backref} ')";
        string[] formats = ["YYYY-MM-DD HH24:MI:SS.FFTZH:TZM", "YYYY-MM-DD HH24:MI:SSTZH:TZM", "YYYY-MM-DD HH24:MITZH:TZM"];
        var parsed = string.Join(", ", formats.Select(f => $"TRY_TO_TIMESTAMP_TZ({n}, '{f}')"));
        return $"CONVERT_TIMEZONE('UTC', COALESCE({parsed}))::TIMESTAMP_NTZ";
    }

    /// <summary>The first group in a REGEXP_REPLACE replacement, written as a SQL string holds it (the backslash doubled).</summary>
    private const string Backref = "\\\\1";
}
