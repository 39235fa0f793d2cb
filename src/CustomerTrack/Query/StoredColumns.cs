using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>A reader's view of a table with the columns files added to it (<c>SchemaEvolution: add</c>), which settings do not name.</summary>
internal static class StoredColumns
{
    /// <summary><paramref name="table"/> with the attributes the warehouse records in table_column and the definition lacks.</summary>
    public static async Task<TableDefinition> WithStoredColumnsAsync(this WarehouseReader reader, TableDefinition table, CancellationToken ct)
    {
        var stored = await reader.QueryAsync(
            "SELECT column_name, column_type FROM table_column WHERE table_name = $table AND NOT is_key ORDER BY column_name",
            [QueryParameter.Text("table", table.Name)], ct);
        var added = stored.Rows
            .Where(r => r[0] is { } name && table.Columns.All(c => c.Name != name))
            .Select(r => new Column(r[0]!, ColumnType.TryParse(r[1]) ?? ColumnType.String))
            .ToArray();
        return table.WithAttributes(added);
    }
}
