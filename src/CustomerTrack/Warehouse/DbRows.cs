using System.Data.Common;

namespace CustomerTrack.Warehouse;

/// <summary>The rows of an engine's reader as plain values (<see cref="Scd.ISqlRunner.Rows"/>), whatever the driver.</summary>
internal static class DbRows
{
    /// <summary>Every row of <paramref name="reader"/>, each as its values (null for SQL NULL).</summary>
    public static List<object?[]> Read(DbDataReader reader)
    {
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
}
