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

    /// <summary>A validated name, quoted in upper case.</summary>
    public static string Quote(string validated) => '"' + validated.ToUpperInvariant() + '"';

    /// <summary>A string literal: quotes doubled, and backslashes too (Snowflake reads escapes in strings).</summary>
    public static string Literal(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}
