using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>
/// Answers whose columns .NET cannot hold or print as DuckDB does (BLOB, INTERVAL, infinite timestamps and dates,
/// DECIMAL(38), HUGEINT, UNION, LIST, STRUCT, MAP, ...): the statement runs again with those columns cast to VARCHAR
/// (by position, so names, order and duplicates stay), so each value reads as DuckDB's own CLI prints it; JSON still
/// writes the numeric ones as numbers.
/// </summary>
internal static class DuckDbText
{
    // Columns whose .NET values print as DuckDB prints them, and always convert.
    private static readonly HashSet<string> Plain = new(StringComparer.OrdinalIgnoreCase)
    {
        "Boolean", "TinyInt", "SmallInt", "Integer", "BigInt", "UnsignedTinyInt", "UnsignedSmallInt", "UnsignedInteger",
        "UnsignedBigInt", "UTinyInt", "USmallInt", "UInteger", "UBigInt", "Float", "Double", "Varchar", "Uuid",
    };

    private static readonly HashSet<string> Numeric = new(StringComparer.OrdinalIgnoreCase)
    {
        "TinyInt", "SmallInt", "Integer", "BigInt", "UnsignedTinyInt", "UnsignedSmallInt", "UnsignedInteger", "UnsignedBigInt",
        "UTinyInt", "USmallInt", "UInteger", "UBigInt", "Float", "Double", "Decimal", "HugeInt", "UHugeInt", "UnsignedHugeInt",
    };

    // Timestamps without a zone (UTC here): their text, yyyy-MM-dd HH:mm:ss[.ffffff], becomes ISO 8601 with a Z in JSON.
    private static readonly HashSet<string> Timestamps = new(StringComparer.OrdinalIgnoreCase) { "Timestamp", "TimestampS", "TimestampMs", "TimestampNs" };

    /// <summary>
    /// The columns' kinds and the statement that reads the others as DuckDB's text, when some column needs it; else
    /// null (the answer reads as it is).
    /// </summary>
    public static (ResultColumn[] Columns, string Sql)? NeedsText(DuckDBDataReader reader, string sql)
    {
        var columns = new ResultColumn[reader.FieldCount];
        var select = new string[columns.Length];
        var needed = false;
        for (var i = 0; i < columns.Length; i++)
        {
            var type = reader.GetDataTypeName(i);
            var plain = Plain.Contains(type);
            needed |= !plain;
            select[i] = plain ? $"#{i + 1}" : $"CAST(#{i + 1} AS VARCHAR) AS \"{reader.GetName(i).Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            columns[i] = new ResultColumn(reader.GetName(i), type.Equals("Boolean", StringComparison.OrdinalIgnoreCase) ? CellKind.Boolean
                : Numeric.Contains(type) ? CellKind.Number : Timestamps.Contains(type) ? CellKind.Timestamp : CellKind.Text);
        }

        return needed ? (columns, $"SELECT {string.Join(", ", select)} FROM ({sql.TrimEnd().TrimEnd(';')}\n) AS q") : null;
    }
}
