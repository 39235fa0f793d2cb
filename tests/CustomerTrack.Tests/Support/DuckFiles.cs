using CustomerTrack.Warehouse;
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
        return DbRows.Read(reader);
    }

    public static void Execute(string sql) => Rows(sql);

    /// <summary>A path as a SQL string literal.</summary>
    public static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
}
