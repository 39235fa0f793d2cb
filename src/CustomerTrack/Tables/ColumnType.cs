using System.Globalization;
using System.Text.RegularExpressions;

namespace CustomerTrack.Tables;

/// <summary>The column types a table definition may use.</summary>
internal enum ColumnKind
{
    String,
    Int32,
    Int64,
    Double,
    Decimal,
    Bool,
    Date,
    Timestamp,
}

/// <summary>
/// A column's type as written in a definition (<c>string</c>, <c>int64</c>, <c>decimal(12,2)</c>, …), and how each
/// engine spells it. Precision and scale matter only for <see cref="ColumnKind.Decimal"/>.
/// </summary>
internal sealed partial record ColumnType(ColumnKind Kind, int Precision = 0, int Scale = 0)
{
    public static readonly ColumnType String = new(ColumnKind.String);
    public static readonly ColumnType Int32 = new(ColumnKind.Int32);
    public static readonly ColumnType Int64 = new(ColumnKind.Int64);
    public static readonly ColumnType Double = new(ColumnKind.Double);
    public static readonly ColumnType Bool = new(ColumnKind.Bool);
    public static readonly ColumnType Date = new(ColumnKind.Date);
    public static readonly ColumnType Timestamp = new(ColumnKind.Timestamp);

    /// <summary>What a definition may write, for messages.</summary>
    public const string Allowed = "string, int32, int64, double, decimal(p,s), bool, date, timestamp";

    [GeneratedRegex(@"^\s*decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex DecimalPattern();

    /// <summary>Reads a type as written in a definition; null when it is none of <see cref="Allowed"/>.</summary>
    public static ColumnType? TryParse(string? text)
    {
        var t = text?.Trim().ToLowerInvariant();
        switch (t)
        {
            case "string":
                return String;
            case "int32":
                return Int32;
            case "int64":
                return Int64;
            case "double":
                return Double;
            case "bool":
                return Bool;
            case "date":
                return Date;
            case "timestamp":
                return Timestamp;
        }

        var m = DecimalPattern().Match(t ?? "");
        if (!m.Success)
        {
            return null;
        }

        var precision = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var scale = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);

        // 38 digits is what DuckDB, PostgreSQL's typmod default and Snowflake's NUMBER all hold.
        return precision is >= 1 and <= 38 && scale <= precision ? new ColumnType(ColumnKind.Decimal, precision, scale) : null;
    }

    /// <summary>The type in SQL that DuckDB and PostgreSQL both take.</summary>
    public string Sql => Kind switch
    {
        ColumnKind.String => "VARCHAR",
        ColumnKind.Int32 => "INTEGER",
        ColumnKind.Int64 => "BIGINT",
        ColumnKind.Double => "DOUBLE PRECISION",
        ColumnKind.Decimal => $"DECIMAL({Precision},{Scale})",
        ColumnKind.Bool => "BOOLEAN",
        ColumnKind.Date => "DATE",
        _ => "TIMESTAMP",
    };

    /// <summary>Whether values of <paramref name="wider"/> hold every value of this type (a change that loses no data).</summary>
    public bool FitsIn(ColumnType wider) => this == wider || (Kind, wider.Kind) switch
    {
        (_, ColumnKind.String) => true,
        (ColumnKind.Int32, ColumnKind.Int64 or ColumnKind.Double) => true,
        (ColumnKind.Int32, ColumnKind.Decimal) => wider.Precision - wider.Scale >= 10,
        (ColumnKind.Int64, ColumnKind.Decimal) => wider.Precision - wider.Scale >= 19,
        (ColumnKind.Decimal, ColumnKind.Decimal) => wider.Scale >= Scale && wider.Precision - wider.Scale >= Precision - Scale,
        (ColumnKind.Date, ColumnKind.Timestamp) => true,
        _ => false,
    };

    /// <summary>As a definition writes it.</summary>
    public override string ToString() => Kind == ColumnKind.Decimal
        ? $"decimal({Precision},{Scale})"
        : Kind.ToString().ToLowerInvariant();
}
