using System.Globalization;
using CustomerTrack.Contract;
using CustomerTrack.Snowflake;
using DuckDB.NET.Data;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// The SCD statements of a generated Snowflake procedure, taken from the plan's text and run verbatim on an in-memory
/// DuckDB. Only the tables are made here (DuckDB has no NUMBER or TIMESTAMP_NTZ), from the same column lists the plan
/// makes them from; typing the raw stream is Snowflake-only and is not run. Before the MERGE it checks the precondition
/// Snowflake enforces and DuckDB does not: one source row per key.
/// </summary>
internal sealed class SnowflakeOnDuckDb : IDisposable
{
    public const string Database = "ctdb", Schema = "cts";

    private readonly DuckDBConnection _db = new("Data Source=:memory:");
    private readonly SnowflakePlan _plan;
    private readonly IReadOnlyList<string> _statements;

    public SnowflakeOnDuckDb(SnowflakePlan plan)
    {
        _plan = plan;
        _statements = Extract(plan.Render());
        _db.Open();
        Execute($"ATTACH ':memory:' AS {Database}");
        Execute($"CREATE SCHEMA {Database}.{Schema}");

        // Snowflake's TIMESTAMP_NTZ is DuckDB's TIMESTAMP (no time zone): the alias lets the statements run verbatim.
        Execute("CREATE TYPE TIMESTAMP_NTZ AS TIMESTAMP");
        var n = plan.Names;
        var scd = plan.Scd;
        foreach (var (table, columns) in new[]
                 {
                     (n.Ledger, scd.LedgerColumns), (n.New, scd.LedgerColumns), (n.Keys, scd.KeyColumns), (n.Versions, scd.VersionColumns),
                     (n.Current, scd.CurrentColumns), (n.History, scd.HistoryColumns),
                 })
        {
            Execute($"CREATE TABLE {table} ({string.Join(", ", columns.Select(c => $"{c.Quoted} {c.Type.Sql}"))})");
        }
    }

    /// <summary>The statements between the plan's SCD marks, as the procedure runs them.</summary>
    public static IReadOnlyList<string> Extract(string script)
    {
        var begin = script.IndexOf(SnowflakePlan.ScdBegin, StringComparison.Ordinal);
        var end = script.IndexOf(SnowflakePlan.ScdEnd, StringComparison.Ordinal);
        Assert.True(begin > 0 && end > begin, "the plan has no SCD statements between its marks");
        return SqlScript.Split(script[(begin + SnowflakePlan.ScdBegin.Length)..end]);
    }

    public IReadOnlyList<string> Statements => _statements;

    /// <summary>One task run: the batch's typed rows (values in ledger column order) into _ct_new, then the SCD statements.</summary>
    public void Apply(IEnumerable<object?[]> batch)
    {
        Execute($"DELETE FROM {_plan.Names.New}");
        var columns = _plan.Scd.LedgerColumns;
        using (var insert = _db.CreateCommand())
        {
            insert.CommandText = $"INSERT INTO {_plan.Names.New} VALUES ({string.Join(", ", columns.Select(_ => "?"))})";
            foreach (var row in batch)
            {
                insert.Parameters.Clear();
                foreach (var value in row)
                {
                    insert.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
                }

                insert.ExecuteNonQuery();
            }
        }

        foreach (var statement in _statements)
        {
            if (statement.StartsWith("MERGE", StringComparison.Ordinal))
            {
                AssertOneSourceRowPerKey(statement);
            }

            Execute(statement);
        }
    }

    private void AssertOneSourceRowPerKey(string merge)
    {
        var source = _plan.Scd.MergeSource;
        static string Flat(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, @"\s+", " ").Trim();
        Assert.Contains(Flat(source), Flat(merge), StringComparison.Ordinal);
        var keys = string.Join(", ", _plan.Scd.KeyColumns.Select(k => k.Quoted));
        var duplicated = Rows($"SELECT {keys}, count(*) FROM ({source}) AS s GROUP BY {keys} HAVING count(*) > 1");
        Assert.True(duplicated.Count == 0,
            $"the MERGE source holds several rows for one key (Snowflake would raise 'Duplicate row detected'): {string.Join("; ", duplicated)}");
    }

    /// <summary>Rows as "a|b|c" (NULL as <paramref name="nullText"/>, timestamps as the model writes them, booleans lower case).</summary>
    public List<string> Rows(string sql, string nullText = "∅")
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? nullText : reader.GetValue(i) switch
            {
                DateTime t => EventTime.Format(t),
                DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => v.ToString(),
            })));
        }

        return rows;
    }

    private void Execute(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();
}
