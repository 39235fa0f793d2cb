using CustomerTrack.Tables;

namespace CustomerTrack.Scd;

/// <summary>
/// What the SQL text of one engine spells its own way, in one object per engine, so that the shared SQL (the schema,
/// the SCD plan, the load rules) is written once: type names, identifiers, the key index, parameters and the
/// transaction's scratch tables. A third engine starts here (docs/architecture.md, "The engine boundary").
/// </summary>
internal interface ISqlDialect
{
    /// <summary>The engine's name, for people.</summary>
    string Name { get; }

    /// <summary>The engine's type for a column of <paramref name="type"/>.</summary>
    string Type(ColumnType type) => type.Sql;

    /// <summary>A validated name as an identifier (<see cref="Identifiers"/>).</summary>
    string Quote(string name) => Identifiers.Quote(name);

    /// <summary>Whether the SCD1 and state tables' key is a PRIMARY KEY (see <c>Schema.Statements</c>).</summary>
    bool IndexesKeys { get; }

    /// <summary>The shared SQL's <c>$name</c> parameters in the engine's own syntax.</summary>
    string Parameters(string sql) => sql;

    /// <summary>
    /// A read-only statement's <c>$name</c> parameters (those in <paramref name="names"/>) as the engine's reader session
    /// binds them: as written (DuckDB binds by name), or by position, <c>$1</c> for the first of <paramref name="names"/>
    /// (PostgreSQL's reader sends its statement in positional mode, which the server takes as one statement only).
    /// </summary>
    string ReaderParameters(string sql, IReadOnlyList<string> names) => sql;

    /// <summary>A scratch table with the columns of <paramref name="like"/>, the transaction's own and dropped at its end.</summary>
    string TempTableLike(string name, string like);
}
