using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>
/// The Snowflake objects of one table, fully qualified and quoted. Names are upper case, so a quoted name is the one an
/// unquoted name resolves to (<c>SELECT * FROM customer</c> works), and quoting keeps any word from being read as SQL.
/// Every name comes through <see cref="Identifiers.Validate"/> first: letters, digits and underscore only.
/// </summary>
internal sealed class SnowflakeNames(string database, string schema, TableDefinition table)
{
    public string Database { get; } = Quote(database);

    public string Schema => $"{Database}.{Quote(schema)}";

    public string Object(string suffix) => $"{Schema}.{Quote(table.Name + suffix)}";

    /// <summary>An object of this schema by its unquoted upper-case name (as INFORMATION_SCHEMA gives it), qualified and quoted.</summary>
    public string Qualify(string objectName) => $"{Schema}.\"{objectName.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>The object's name as a string argument takes it (SYSTEM$STREAM_HAS_DATA, SYSTEM$PIPE_STATUS): unquoted, upper case.</summary>
    public string Text(string suffix) => $"{database.ToUpperInvariant()}.{schema.ToUpperInvariant()}.{(table.Name + suffix).ToUpperInvariant()}";

    /// <summary>The schema's and an object's unquoted upper-case names, as INFORMATION_SCHEMA holds them.</summary>
    public string SchemaName => schema.ToUpperInvariant();

    public string ObjectName(string suffix) => (table.Name + suffix).ToUpperInvariant();

    /// <summary>Where columns that files brought are recorded (SchemaEvolution add), one table for the schema, as in our warehouse.</summary>
    public string SchemaChange => $"{Schema}.{Quote("schema_change")}";

    public string FileFormat => Object("_format");
    public string Stage => Object("_stage");
    public string Raw => Object("_raw");
    public string Stream => Object("_raw_stream");
    public string Pipe => Object("_pipe");
    public string Ledger => Object("_ledger");
    public string New => Object("_ct_new");
    public string Keys => Object("_ct_keys");
    public string Versions => Object("_ct_versions");
    public string Current => Object("");
    public string History => Object("_history");
    public string Procedure => Object("_apply");
    public string Task => Object("_task");
    public string LoadHistory => Object("_load_history");
    public string LoadRejects => Object("_load_rejects");

    /// <summary>What each generated object is, and the suffix its name adds to the table's (upper-cased, as Snowflake folds).</summary>
    public static readonly IReadOnlyList<(string What, string Suffix)> Suffixes =
    [
        ("SCD1 table", ""), ("file format", "_format"), ("stage", "_stage"), ("raw table", "_raw"), ("stream", "_raw_stream"),
        ("pipe", "_pipe"), ("typed ledger", "_ledger"), ("working table", "_ct_new"), ("working table", "_ct_keys"),
        ("working table", "_ct_versions"), ("SCD2 table", "_history"), ("procedure", "_apply"), ("task", "_task"),
        ("load history view", "_load_history"), ("load rejects view", "_load_rejects"),
    ];

    /// <summary>
    /// Refuses tables whose generated Snowflake names meet: table <c>a</c>'s typed ledger is <c>A_LEDGER</c>, which is also
    /// table <c>a_ledger</c>'s SCD1 table (and <c>a</c>'s <c>A_LOAD_HISTORY</c> is <c>a_load</c>'s SCD2 table). Locally each
    /// table is its own set of names, so the settings allow it; on Snowflake one schema holds every table's objects, so
    /// the plan names both tables and what collides instead of printing two scripts that overwrite each other.
    /// </summary>
    public static void CheckDistinct(IEnumerable<TableDefinition> tables)
    {
        var seen = new Dictionary<string, (string Table, string What)>(StringComparer.Ordinal)
        {
            ["SCHEMA_CHANGE"] = ("", "schema change record (one for the schema)"),
        };
        foreach (var t in tables)
        {
            foreach (var (what, suffix) in Suffixes)
            {
                var name = (t.Name + suffix).ToUpperInvariant();
                if (seen.TryGetValue(name, out var other) && other.Table != t.Name)
                {
                    var first = other.Table.Length == 0 ? $"the {other.What}" : $"table {other.Table}'s {other.What}";
                    throw new CustomerTrackException(
                        $"on Snowflake, {first} and table {t.Name}'s {what} would both be named {name} (one schema holds every table's objects); rename one of the tables, or plan them into different schemas (--schema)");
                }

                seen[name] = (t.Name, what);
            }
        }
    }

    /// <summary>A validated name, quoted in upper case.</summary>
    public static string Quote(string validated) => '"' + validated.ToUpperInvariant() + '"';

    /// <summary>
    /// A string literal: quotes doubled, and backslashes too (Snowflake reads escapes in strings). A semicolon is written
    /// as the escape <c>\x3B</c>: the SQL API splits a multi-statement request at semicolons, and one inside a string
    /// (a CSV delimiter ';', an op value) would cut its statement in two.
    /// </summary>
    public static string Literal(string text) =>
        "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal).Replace(";", "\\x3B", StringComparison.Ordinal) + "'";
}
