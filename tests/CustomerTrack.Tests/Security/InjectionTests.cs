using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Security;

/// <summary>
/// Nothing a file or a setting says becomes SQL: column names and settings are matched against the contract. And
/// <c>query</c> runs one read-only SELECT, whatever text it is given, on either engine.
/// </summary>
public abstract class InjectionTests
{
    /// <summary>The warehouse engine under attack.</summary>
    protected abstract Engine Engine { get; }

    private static async Task<CliResult> Cli(TempWorkspace tmp, params string[] command) =>
        await CliRunner.RunAsync([.. command, .. tmp.CliArgs()]);

    /// <summary>Everything in the warehouse, and the names of its tables: a refused query must change neither.</summary>
    private const string Everything = """
        SELECT (SELECT count(*) FROM customer) || '/' || (SELECT count(*) FROM customer_history) || '/' || (SELECT count(*) FROM customer_raw)
            || '/' || (SELECT count(*) FROM load_history) || '/' || (SELECT count(*) FROM task_run)
            || '/' || (SELECT string_agg(c::VARCHAR, chr(10) ORDER BY c::VARCHAR) FROM customer c)
            || '/' || (SELECT string_agg(h::VARCHAR, chr(10) ORDER BY h::VARCHAR) FROM customer_history h)
            || '/' || (SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables
                       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
        """;

    /// <summary>A workspace with two customers loaded, and its warehouse's <see cref="Everything"/>.</summary>
    private async Task<(TempWorkspace Tmp, string Before)> Loaded()
    {
        var tmp = new TempWorkspace(Engine);
        tmp.Land("a.csv", "customer_id,first_name,city,updated_at\n1,Ada,Rome,2026-11-01T00:00:00Z\n2,Bob,Oslo,2026-11-01T00:00:00Z\n");
        var run = await Cli(tmp, "run", "--once");
        Assert.True(run.Code == 0, run.ToString());
        var before = Db.Query(tmp.Open(), Everything).Scalar;
        Assert.NotNull(before);
        Assert.Contains("customer,customer_history,customer_raw", before, StringComparison.Ordinal);
        return (tmp, before);
    }

    /// <summary>
    /// Each text is refused by <c>query</c> with a one-line error holding <paramref name="fragment"/>, and the
    /// warehouse is unchanged after every one of them.
    /// </summary>
    protected async Task AssertRefused(string fragment, params string[] attacks) => await AssertRefused([fragment], attacks);

    /// <summary>As <see cref="AssertRefused(string, string[])"/>, the error holding any one of <paramref name="anyOf"/>.</summary>
    protected async Task AssertRefused(string[] anyOf, params string[] attacks)
    {
        var (tmp, before) = await Loaded();
        using (tmp)
        {
            foreach (var sql in attacks)
            {
                var result = await Cli(tmp, "query", sql, "--format", "csv");
                Assert.True(result.Code is not 0 and not 70 && result.Out.Length == 0, $"{sql}\n{result}");
                var line = Cli_OneLine(result);
                Assert.True(line.StartsWith("customertrack: ", StringComparison.Ordinal) && anyOf.Any(f => line.Contains(f, StringComparison.Ordinal)),
                    $"{sql}: expected '{string.Join("' or '", anyOf)}' in\n{result}");
                Assert.True(before == Db.Query(tmp.Open(), Everything).Scalar, $"{sql} changed the warehouse");
            }
        }
    }

    private static string Cli_OneLine(CliResult result)
    {
        var lines = result.Err.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, result.ToString());
        return lines[0];
    }

    [Fact]
    public async Task A_header_naming_sql_is_an_unknown_column_and_changes_nothing_else()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("evil.csv", "customer_id,\"first_name) ; DROP TABLE customer; --\",first_name,updated_at\n1,x,Ada,2026-11-01T00:00:00Z\n");
        Assert.Equal(0, (await Cli(tmp, "run", "--once")).Code);
        var ws = tmp.Open();
        Assert.Equal(["1|Ada"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer"));
        Assert.Equal(["first_name) ; drop table customer; --"], Db.Rows(ws, "SELECT unknown_columns FROM load_history"));
    }

    [Fact]
    public async Task A_setting_naming_sql_instead_of_an_attribute_is_refused_before_anything_runs()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("a.csv", "customer_id,first_name\n1,Ada\n");
        var result = await Cli(tmp, "run", "--once", "--set", "Scd:TrackHistoryExcept:0=city) OR 1=1; --");
        Assert.Equal(2, result.Code); // a setting it does not allow is a usage error
        Assert.StartsWith("customertrack: setting Scd:TrackHistoryExcept: 'city) OR 1=1; --' is not allowed", result.Err, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(tmp.Landing, "*.csv"));
        Assert.False(File.Exists(Path.Combine(tmp.Dir, "warehouse.duckdb")));

        // No warehouse was made, on either engine.
        var e = Assert.Throws<CustomerTrackException>(() => Db.Query(tmp.Open(), "SELECT 1"));
        Assert.StartsWith("no warehouse at", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_full_of_quotes_and_sql_is_stored_as_text()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("a.csv", "customer_id,first_name,city,updated_at\n1,\"O'Brien'); DELETE FROM customer; --\",\"Rome, \"\"Italy\"\"\",2026-11-01T00:00:00Z\n");
        Assert.Equal(0, (await Cli(tmp, "run", "--once")).Code);
        var query = await Cli(tmp, "query", "SELECT first_name, city FROM customer", "--format", "csv");
        Assert.Equal("first_name,city\nO'Brien'); DELETE FROM customer; --,\"Rome, \"\"Italy\"\"\"\n", query.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Query_refuses_statements_that_write_and_changes_nothing()
    {
        await AssertRefused("query is read-only",
            "DELETE FROM customer",
            "DROP TABLE customer",
            "INSERT INTO customer (customer_id) VALUES (99)",
            "UPDATE customer SET city = 'Nowhere'",
            "TRUNCATE customer_history",
            "CREATE TABLE evil (a INTEGER)",
            "ALTER TABLE customer ADD COLUMN evil INTEGER",
            "  \n  delete from customer",
            "/* a comment first */ DROP TABLE customer",
            "-- a comment line\nDELETE FROM customer_raw");
    }

    /// <summary>Several statements, some written to escape a wrapping subquery (PostgresWarehouse's) and commit.</summary>
    protected static readonly string[] SeveralStatements =
    [
        "SELECT 1; DROP TABLE customer",
        "SELECT 1; SELECT 2",
        "SELECT 1;DELETE FROM customer;",
        "SELECT 1) q; COMMIT; DROP TABLE customer; SELECT * FROM (SELECT 1",
        "SELECT 1) q; DROP TABLE customer; --",
        "SELECT 1 /* ; */ ; DELETE FROM customer",
        "SELECT ';' AS a; DELETE FROM customer",
    ];

    [Fact]
    public async Task Query_refuses_several_statements_however_they_are_wrapped()
    {
        // DuckDB names the first statement that is not a SELECT, or the parse error of a broken wrapper-escape.
        await AssertRefused(["one SELECT statement at a time", "query is read-only", "SQL error"], SeveralStatements);
    }
}

/// <summary>The attacks on the embedded warehouse.</summary>
public sealed class InjectionTestsOnDuckDb : InjectionTests
{
    protected override Engine Engine => Engine.DuckDb;
}

/// <summary>
/// The attacks on the server warehouse, and more that only PostgreSQL's grammar offers: <c>query</c> wraps the text in a
/// subquery sent as one statement, on a read-only session.
/// </summary>
public sealed class InjectionTestsOnPostgres : InjectionTests
{
    protected override Engine Engine => Engine.Postgres;

    [Fact]
    public async Task Query_says_one_statement_at_a_time_for_each_way_of_writing_several()
    {
        await AssertRefused("query takes one SELECT statement at a time", SeveralStatements);
    }

    [Fact]
    public async Task Query_refuses_what_postgresql_could_run_that_is_not_one_select()
    {
        await AssertRefused("query is read-only",
            "DO $$BEGIN DROP TABLE customer; END$$",
            "DO $$BEGIN EXECUTE 'DELETE FROM customer'; END$$",
            "COMMIT",
            "SET default_transaction_read_only = off",
            "CALL nothing()",
            "COPY customer TO PROGRAM 'touch /tmp/customertrack-pwned'",
            "VACUUM customer",
            "SELECT * FROM customer FOR UPDATE");
        Assert.False(File.Exists("/tmp/customertrack-pwned"));
    }

    [Fact]
    public async Task Query_refuses_writes_hidden_in_a_select()
    {
        await AssertRefused("SQL error",
            "WITH d AS (DELETE FROM customer RETURNING *) SELECT * FROM d",
            "SELECT query_to_xml('DELETE FROM customer RETURNING 1', true, false, '')",
            "SELECT query_to_xml('COPY (SELECT 1) TO PROGRAM ''touch /tmp/customertrack-pwned''', true, false, '')",
            "SELECT set_config('transaction_read_only', 'off', false)",
            "SELECT 1 /* ; DROP TABLE customer",
            "SELECT * FROM (SELECT 1) a) q, (SELECT 1",
            "SELECT * INTO evil FROM customer",
            "SELECT 1) q UNION SELECT 1 INTO evil FROM (SELECT 1",
            "SELECT 1) q, LATERAL (SELECT pg_advisory_lock(1)) b, (SELECT 1");
        Assert.False(File.Exists("/tmp/customertrack-pwned"));
    }

    [Fact]
    public async Task What_a_select_may_change_is_undone_with_its_read_only_transaction()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("a.csv", "customer_id,first_name\n1,Ada\n");
        CliAssertRun(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));

        // A session setting turned off, a large object made: both gone when the query's transaction is rolled back.
        var set = await CliRunner.RunAsync(["query", "SELECT set_config('default_transaction_read_only', 'off', false) AS s", "--format", "csv", .. tmp.CliArgs()]);
        Assert.True(set.Code == 0, set.ToString());
        var made = await CliRunner.RunAsync(["query", "SELECT lo_from_bytea(0, 'x') AS oid", "--format", "csv", .. tmp.CliArgs()]);
        Assert.True(made.Code == 0, made.ToString());
        var oid = made.Out.ReplaceLineEndings("\n").Split('\n')[1];
        Assert.Equal(["0"], Db.Rows(tmp.Open(), $"SELECT count(*) FROM pg_largeobject_metadata WHERE oid = {oid}"));
        Assert.Equal(["on"], Db.Rows(tmp.Open(), "SELECT current_setting('default_transaction_read_only')"));
        var delete = await CliRunner.RunAsync(["query", "DELETE FROM customer", .. tmp.CliArgs()]);
        Assert.Contains("query is read-only", delete.Err, StringComparison.Ordinal);
        Assert.Equal(["1|Ada"], Db.Rows(tmp.Open(), "SELECT customer_id, first_name FROM customer"));
    }

    [Fact]
    public async Task A_function_returning_void_answers_an_empty_value_not_an_internal_error()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("a.csv", "customer_id,first_name\n1,Ada\n");
        CliAssertRun(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        var result = await CliRunner.RunAsync(["query", "SELECT pg_sleep(0) AS slept, 1 AS n", "--format", "csv", .. tmp.CliArgs()]);
        Assert.True(result.Code == 0 && result.Err.Length == 0, result.ToString());
        Assert.Equal("slept,n\n,1\n", result.Out.ReplaceLineEndings("\n"));
    }

    private static void CliAssertRun(CliResult result) => Assert.True(result.Code == 0, result.ToString());
}
