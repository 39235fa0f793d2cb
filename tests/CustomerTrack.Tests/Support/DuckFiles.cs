using DuckDB.NET.Data;

namespace CustomerTrack.Tests.Support;

/// <summary>An in-memory DuckDB for tests that make sample files (Parquet) and read generated files back.</summary>
internal static class DuckFiles
{
    /// <summary>Runs <paramref name="sql"/> and returns every row; values as DuckDB.NET gives them.</summary>
    public static List<object?[]> Rows(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static void Execute(string sql) => Rows(sql);

    /// <summary>A path as a SQL string literal.</summary>
    public static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
}
