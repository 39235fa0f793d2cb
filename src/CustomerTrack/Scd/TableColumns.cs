using CustomerTrack.Tables;

namespace CustomerTrack.Scd;

/// <summary>
/// A table's columns as the warehouse records them in <c>table_column</c>. The task reads them (a column a file added
/// must reach the SCD tables) as does the warehouse's schema sync; they live beside the task so that it needs nothing
/// from the warehouse.
/// </summary>
internal static class TableColumns
{
    /// <summary>A table's columns as last recorded: name, type and whether it is a key column, in name order.</summary>
    public static List<(string Name, string Type, bool IsKey)> Stored(ISqlRunner db, string table)
    {
        // One scalar (ISqlRunner reads no row sets): name|type|k or a, in name order.
        var text = db.Scalar("""
            SELECT string_agg(column_name || '|' || column_type || '|' || CASE WHEN is_key THEN 'k' ELSE 'a' END, ';' ORDER BY column_name)
            FROM table_column WHERE table_name = $table
            """, ("table", table)) as string;
        return (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.Split('|'))
            .Select(p => (p[0], p[1], p[2] == "k"))
            .ToList();
    }

    /// <summary>
    /// <paramref name="table"/> with the columns the warehouse holds and the definition does not name: those files added
    /// (start-up refuses any other), with their recorded type.
    /// </summary>
    public static TableDefinition Current(ISqlRunner db, TableDefinition table)
    {
        var added = Stored(db, table.Name)
            .Where(s => !s.IsKey && table.Columns.All(c => c.Name != s.Name))
            .Select(s => new Column(s.Name, ColumnType.TryParse(s.Type) ?? ColumnType.String))
            .ToArray();
        return table.WithAttributes(added);
    }
}
