using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// Brings a warehouse's tables in line with the table definitions at start-up, the same on every engine. Each table's
/// columns as last defined are kept in <c>table_column</c>. A column added to a definition is added to the table's
/// ledger, current and history tables (<c>ALTER TABLE … ADD COLUMN</c>) and recorded in <c>schema_change</c>; a type
/// widened so that every value still fits is altered in place. A change that would lose data (a column dropped from
/// the definition, a type narrowed, the key changed) stops start-up with a message that says what to do. A column a
/// file brought under <c>SchemaEvolution: add</c> (<see cref="LoadTimeColumns"/>) is part of the table from then on,
/// whether or not the definition names it.
/// </summary>
internal static class SchemaSync
{
    public static IEnumerable<string> Statements()
    {
        yield return """
            CREATE TABLE IF NOT EXISTS table_column (
                table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, column_type VARCHAR NOT NULL, is_key BOOLEAN NOT NULL,
                PRIMARY KEY (table_name, column_name))
            """;
        yield return "CREATE TABLE IF NOT EXISTS table_key (table_name VARCHAR PRIMARY KEY, key_order VARCHAR NOT NULL)";
    }

    /// <summary>
    /// Applies what changed in <paramref name="tables"/> since the warehouse last saw them, in the caller's transaction;
    /// returns the tables as the warehouse now holds them (each with the columns files added).
    /// </summary>
    public static IReadOnlyList<TableDefinition> Apply(ISqlRunner db, IReadOnlyList<TableDefinition> tables, DateTime now)
    {
        RenameKeysColumn(db);
        foreach (var table in tables)
        {
            FillState(db, table);
            var stored = TableColumns.Stored(db, table.Name);
            if (stored.Count == 0)
            {
                // First seen (or a warehouse made before columns were recorded): make sure every attribute is there.
                foreach (var column in table.Columns)
                {
                    if (!table.Key.Contains(column))
                    {
                        foreach (var sql in Schema.AddColumn(table, column, db.Dialect))
                        {
                            db.Execute(sql);
                        }
                    }

                    Record(db, table, column);
                }

                continue;
            }

            var storedKey = (db.Scalar("SELECT key_order FROM table_key WHERE table_name = $table", ("table", table.Name)) as string ?? "").Split(',');
            var key = table.Key.Select(k => k.Name).ToArray();
            if (!storedKey.SequenceEqual(key) || table.Key.Any(k => stored.FirstOrDefault(s => s.Name == k.Name).Type != k.Type.ToString()))
            {
                throw new CustomerTrackException(
                    $"table {table.Name}: its key was ({string.Join(", ", storedKey)}) and the definition now says ({string.Join(", ", key)}); "
                    + "a key cannot change in place: define a table of another name for the new key, or restore the old key");
            }

            foreach (var s in stored.Where(s => !s.IsKey))
            {
                var now1 = table.Attributes.FirstOrDefault(a => a.Name == s.Name);
                if (now1 is null && LoadTimeColumns.AddedByFile(db, table, s.Name))
                {
                    continue;
                }

                if (now1 is null)
                {
                    throw new CustomerTrackException(
                        $"table {table.Name}: column {s.Name} ({s.Type}) is in the warehouse but no longer in the definition; "
                        + $"put it back in Tables:{table.Name}:Columns (columns are never dropped, so no data is lost)");
                }

                var was = ColumnType.TryParse(s.Type)!;
                if (was == now1.Type)
                {
                    continue;
                }

                if (!was.FitsIn(now1.Type))
                {
                    throw new CustomerTrackException(
                        $"table {table.Name}: column {s.Name} was {was} and the definition now says {now1.Type}, which cannot hold every value it has; "
                        + $"keep {was} (or a type that holds it), or load into a new table");
                }

                foreach (var t in (string[])[table.RawTable, table.CurrentTable, table.HistoryTable])
                {
                    db.Execute($"ALTER TABLE {Identifiers.Quote(t)} ALTER COLUMN {now1.Quoted} SET DATA TYPE {db.Dialect.Type(now1.Type)}");
                }

                db.Execute("UPDATE table_column SET column_type = $type WHERE table_name = $table AND column_name = $column",
                    ("type", now1.Type.ToString()), ("table", table.Name), ("column", s.Name));
                Changed(db, table, now1, now);
            }

            foreach (var added in table.Attributes.Where(a => stored.All(s => s.Name != a.Name)))
            {
                foreach (var sql in Schema.AddColumn(table, added, db.Dialect))
                {
                    db.Execute(sql);
                }

                Record(db, table, added);
                Changed(db, table, added, now);
            }
        }

        return tables.Select(t => TableColumns.Current(db, t)).ToArray();
    }

    /// <summary>
    /// <c>task_run.keys</c> counts the keys each run touched, whatever the table; warehouses made before called that column
    /// <c>customers</c>, and it is renamed in place (the counts are the same).
    /// </summary>
    private static void RenameKeysColumn(ISqlRunner db)
    {
        if (Convert.ToInt64(db.Scalar("""
                SELECT count(*) FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = 'task_run' AND column_name = 'customers'
                """)) > 0)
        {
            db.Execute("ALTER TABLE task_run RENAME COLUMN customers TO keys");
        }
    }

    /// <summary>A warehouse made before the task kept a keyed state gets one from what it holds (<see cref="ScdPlan.FillState"/>).</summary>
    private static void FillState(ISqlRunner db, TableDefinition table)
    {
        var offset = Convert.ToInt64(db.Scalar("SELECT coalesce(max(offset_seq), 0) FROM stream_offset WHERE stream_name = $stream",
            ("stream", table.StreamName)));
        if (offset > 0 && Convert.ToInt64(db.Scalar($"SELECT count(*) FROM (SELECT 1 FROM {Identifiers.Quote(table.StateTable)} LIMIT 1) AS s")) == 0)
        {
            db.Run(new ScdPlan(table).FillState(), new Dictionary<string, object?> { [ScdPlan.Offset] = offset });
        }
    }

    internal static void Record(ISqlRunner db, TableDefinition table, Column column)
    {
        var isKey = table.Key.Contains(column);
        db.Execute("INSERT INTO table_column VALUES ($table, $column, $type, $key)",
            ("table", table.Name), ("column", column.Name), ("type", column.Type.ToString()), ("key", isKey));
        if (isKey && table.Key[^1] == column)
        {
            db.Execute("INSERT INTO table_key VALUES ($table, $order)",
                ("table", table.Name), ("order", string.Join(",", table.Key.Select(k => k.Name))));
        }
    }

    /// <summary>A schema_change row; <paramref name="fileKey"/> names the file that brought the column (null: the definition did).</summary>
    internal static void Changed(ISqlRunner db, TableDefinition table, Column column, DateTime now, string? fileKey = null) =>
        db.Execute("INSERT INTO schema_change (table_name, column_name, column_type, file_key, changed_at) VALUES ($table, $column, $type, $file, $now)",
            ("table", table.Name), ("column", column.Name), ("type", column.Type.ToString()), ("file", fileKey), ("now", now));
}
