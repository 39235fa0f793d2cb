using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// Load-time schema evolution (<c>SchemaEvolution: add</c>), the same SQL on every engine: a column a file brings and
/// its table lacks is added as a nullable <c>string</c> attribute to the table's ledger, current and history tables,
/// recorded in <c>table_column</c> (so that it is part of the table from then on, across restarts and for every worker)
/// and in <c>schema_change</c> with the file that brought it. Runs in the caller's transaction, which the engine
/// serialises with every other schema change (PostgreSQL: the schema lock): a column another worker added first is
/// found in table_column and neither added nor recorded again.
/// </summary>
internal static class LoadTimeColumns
{
    /// <summary>
    /// Adds those of <paramref name="columns"/> (validated names) the warehouse does not hold yet; returns the table as
    /// the warehouse now holds it.
    /// </summary>
    public static TableDefinition Add(ISqlRunner db, TableDefinition table, IReadOnlyList<string> columns, string fileKey, DateTime now)
    {
        var stored = TableColumns.Stored(db, table.Name);
        var added = columns.Select(c => Identifiers.Validate(c, "column")).Distinct()
            .Where(name => !stored.Any(s => s.Name == name) && !table.Columns.Any(c => c.Name == name)).ToList();
        var had = table.Columns.Select(c => c.Name).Union(stored.Select(s => s.Name)).Count();
        if (had + added.Count > TableDefinition.MaxColumns)
        {
            // Not a failure a retry cures: the file is set aside as LOAD_FAILED with this reason, and the others go on.
            throw new CustomerTrackException(
                $"the file brings {added.Count} new column(s) ({string.Join(", ", added.Take(5))}{(added.Count > 5 ? ", …" : "")}); with them table {table.Name} "
                + $"would have {had + added.Count} columns, more than the {TableDefinition.MaxColumns} a table may have, so nothing of the file is loaded");
        }

        foreach (var name in added)
        {

            var column = new Column(name, ColumnType.String);
            foreach (var sql in Schema.AddColumn(table, column, db.Dialect))
            {
                db.Execute(sql);
            }

            SchemaSync.Record(db, table, column);
            SchemaSync.Changed(db, table, column, now, fileKey);
        }

        return TableColumns.Current(db, table);
    }

    /// <summary>Whether a file brought <paramref name="column"/> of <paramref name="table"/> (a schema_change row names one).</summary>
    public static bool AddedByFile(ISqlRunner db, TableDefinition table, string column) =>
        Convert.ToInt64(db.Scalar(
            "SELECT count(*) FROM schema_change WHERE table_name = $table AND column_name = $column AND file_key IS NOT NULL",
            ("table", table.Name), ("column", column)), System.Globalization.CultureInfo.InvariantCulture) > 0;
}
