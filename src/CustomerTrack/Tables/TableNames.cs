namespace CustomerTrack.Tables;

/// <summary>
/// The names a table makes in the warehouse, and the rules that keep them from breaking anything else there. The
/// pipeline's own tables, indexes and scratch tables share the warehouse's schema with the user's tables (existing
/// warehouses, queries and exports name them unqualified), so a user table may not take one of their names, nor a
/// name PostgreSQL resolves to its catalog first (<c>pg_*</c>), nor one that no engine can keep whole: a table is
/// refused at start-up naming the table and why, never broken later in SQL.
/// </summary>
internal static class TableNames
{
    /// <summary>PostgreSQL keeps at most 63 bytes of a name (NAMEDATALEN - 1) and cuts the rest, so two names could become one.</summary>
    public const int MaxBytes = 63;

    /// <summary>The longest suffix a table adds to its name (<c>_history_key</c>, the history table's key index).</summary>
    private const string LongestSuffix = "_history_key";

    /// <summary>The longest table name: its longest made name still fits <see cref="MaxBytes"/>.</summary>
    public const int MaxTableName = MaxBytes - 12;

    /// <summary>
    /// The pipeline's own tables and indexes, on any engine (PostgreSQL's indexes and primary keys included: they share
    /// the namespace of tables there).
    /// </summary>
    public static readonly IReadOnlySet<string> PipelineObjects = new HashSet<string>(StringComparer.Ordinal)
    {
        "load_history", "load_rejects", "stream_offset", "task_run", "schema_change", "table_column", "table_key",
        "ledger_state", "ledger_reservation", "load_content", "load_claim", "task_lock", "quarantine", "load_history_name",
        "load_history_pkey", "stream_offset_pkey", "task_run_pkey", "table_column_pkey", "table_key_pkey", "ledger_state_pkey",
        "ledger_reservation_pkey", "load_content_pkey", "load_claim_pkey", "task_lock_pkey", "load_attempt", "load_attempt_rejects",
        "reader_login", "reader_login_pkey",
    };

    /// <summary>
    /// Prefixes of names that belong to someone else: <c>ct_</c>, kept for the pipeline's own objects (its task's scratch
    /// tables are <c>_ct_*</c>, which no definition can name, but the prefix stays reserved), PostgreSQL's catalog (<c>pg_class</c> and every
    /// <c>pg_*</c> relation, searched before the schema), and DuckDB's and SQLite's catalog views.
    /// </summary>
    public static readonly IReadOnlyList<(string Prefix, string Whose)> ReservedPrefixes =
    [
        ("ct_", "the pipeline keeps ct_* for its own objects (its task's scratch tables are _ct_*)"),
        ("pg_", "PostgreSQL resolves pg_* names to its own catalog first"),
        ("duckdb_", "DuckDB's catalog uses duckdb_* names"),
        ("sqlite_", "DuckDB's catalog uses sqlite_* names"),
    ];

    /// <summary>Every name table <paramref name="table"/> makes, with what it is.</summary>
    public static IEnumerable<(string Name, string What)> Made(string table) =>
    [
        (table, "its SCD1 table"),
        (RawTable(table), "its ledger"),
        (HistoryTable(table), "its SCD2 table"),
        (RawTable(table) + "_seq", "an index of its ledger (PostgreSQL)"),
        (RawTable(table) + "_key", "an index of its ledger (PostgreSQL)"),
        (RawTable(table) + "_loaded", "an index of its ledger (PostgreSQL)"),
        (HistoryTable(table) + "_key", "an index of its SCD2 table (PostgreSQL)"),
        (table + "_pkey", "its SCD1 table's primary key (PostgreSQL)"),
    ];

    public static string RawTable(string table) => table + "_raw";

    public static string HistoryTable(string table) => table + "_history";

    /// <summary>Why table <paramref name="table"/> (a validated identifier) cannot be kept, or null when it can.</summary>
    public static string? Problem(string table)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(table + LongestSuffix) > MaxBytes)
        {
            return $"table '{table}' is {table.Length} characters long; a table name is at most {MaxTableName}, so that every name it makes "
                + $"('{table}{LongestSuffix}' the longest) fits PostgreSQL's limit of {MaxBytes} bytes";
        }

        foreach (var (made, what) in Made(table))
        {
            if (PipelineObjects.Contains(made))
            {
                return $"table '{table}' would make '{made}' ({what}), a name the pipeline uses for its own {(made.EndsWith("_pkey", StringComparison.Ordinal) || made == "load_history_name" ? "index" : "table")}; choose another name";
            }

            foreach (var (prefix, whose) in ReservedPrefixes)
            {
                if (made.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return $"table '{table}' would make '{made}' ({what}), and {whose}; choose another name";
                }
            }
        }

        return null;
    }
}
