using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Numerics;
using CustomerTrack.Contract;

namespace CustomerTrack.Warehouse;

/// <summary>How a column's values are written in JSON: as numbers, booleans or strings.</summary>
internal enum CellKind
{
    Text,
    Number,
    Boolean,

    /// <summary>A UTC timestamp, displayed as <c>yyyy-MM-dd HH:mm:ss</c>; JSON writes it as ISO 8601 with a <c>Z</c>.</summary>
    Timestamp,
}

/// <summary>A column of a result.</summary>
internal sealed record ResultColumn(string Name, CellKind Kind);

/// <summary>
/// A query's answer with every value already in its display form (timestamps as <c>yyyy-MM-dd HH:mm:ss</c>),
/// so that an answer read from the file and one sent by the running owner print the same.
/// </summary>
internal sealed record QueryResult(IReadOnlyList<ResultColumn> Columns, IReadOnlyList<string?[]> Rows)
{
    /// <summary>Set when the answer had more rows than <c>Query:MaxRows</c>: only the first this many are here.</summary>
    public int? CutAt { get; init; }

    /// <summary>Reads at most <paramref name="maxRows"/> rows, marking the answer cut when there were more.</summary>
    public static QueryResult Read(DbDataReader reader, int maxRows = int.MaxValue, CancellationToken ct = default)
    {
        var columns = new ResultColumn[reader.FieldCount];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = new ResultColumn(reader.GetName(i), KindOf(reader.GetFieldType(i)));
        }

        var rows = new List<string?[]>();
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            if (rows.Count == maxRows)
            {
                return new QueryResult(columns, rows) { CutAt = maxRows };
            }

            var row = new string?[columns.Length];
            for (var i = 0; i < row.Length; i++)
            {
                // PostgreSQL's void (a function that returns nothing, such as pg_sleep) reads as a null object, not DBNull.
                row[i] = reader.IsDBNull(i) || reader.GetValue(i) is not { } value ? null : Show(value);
            }

            rows.Add(row);
        }

        return new QueryResult(columns, rows);
    }

    /// <summary>The one value of a one-row, one-column answer, or null.</summary>
    public string? Scalar => Rows.Count > 0 && Columns.Count > 0 ? Rows[0][0] : null;

    public long Long(int row, string column) =>
        long.Parse(Rows[row][IndexOf(column)] ?? "0", CultureInfo.InvariantCulture);

    public string? Text(int row, string column) => Rows[row][IndexOf(column)];

    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i].Name, column, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new ArgumentException($"no column {column}", nameof(column));
    }

    private static CellKind KindOf(Type t) =>
        t == typeof(bool) ? CellKind.Boolean
        : t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(sbyte) || t == typeof(byte)
          || t == typeof(ulong) || t == typeof(uint) || t == typeof(ushort) || t == typeof(double) || t == typeof(float)
          || t == typeof(decimal) || t == typeof(BigInteger) ? CellKind.Number
        : t == typeof(DateTime) || t == typeof(DateTimeOffset) ? CellKind.Timestamp
        : CellKind.Text;

    private static string ShowNullable(object? value) => value is null or DBNull ? "NULL" : Show(value);

    private static string Show(object value) => value switch
    {
        DateTime t => EventTime.Format(t),
        DateTimeOffset t => EventTime.Format(t.UtcDateTime),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),

        // DuckDB's LIST, STRUCT and MAP: their values, not the names of the .NET types that hold them.
        IDictionary m => "{" + string.Join(", ", m.Keys.Cast<object>().Select(k => $"{Show(k)}: {ShowNullable(m[k])}")) + "}",
        IEnumerable e and not string => "[" + string.Join(", ", e.Cast<object?>().Select(ShowNullable)) + "]",
        _ => value.ToString() ?? "",
    };
}
