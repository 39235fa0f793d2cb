using System.Globalization;
using System.Text.RegularExpressions;
using CustomerTrack.Tables;

namespace CustomerTrack.Init;

/// <summary>DuckDB's type names, as its sniffer reports them, mapped onto the types a definition may use.</summary>
internal static partial class DuckTypes
{
    [GeneratedRegex(@"^DECIMAL\((\d+),\s*(\d+)\)$")]
    private static partial Regex DecimalType();

    /// <summary>The definition's type for DuckDB's <paramref name="duckType"/>; string for anything without a match (nested, TIME, UUID, …).</summary>
    public static ColumnType Map(string duckType)
    {
        var t = duckType.Trim().ToUpperInvariant();
        switch (t)
        {
            case "TINYINT" or "SMALLINT" or "INTEGER" or "UTINYINT" or "USMALLINT":
                return ColumnType.Int32;
            case "BIGINT" or "UINTEGER":
                return ColumnType.Int64;
            case "FLOAT" or "DOUBLE":
                return ColumnType.Double;
            case "BOOLEAN":
                return ColumnType.Bool;
            case "DATE":
                return ColumnType.Date;
            case "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" or "TIMESTAMP_S" or "TIMESTAMP_MS" or "TIMESTAMP_NS":
                return ColumnType.Timestamp;
        }

        var m = DecimalType().Match(t);
        if (m.Success)
        {
            var p = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var s = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            return new ColumnType(ColumnKind.Decimal, p, s);
        }

        return ColumnType.String;
    }
}
