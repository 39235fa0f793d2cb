using System.Text.Json;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

public sealed class QueryCommandTests(SampleWorkspace sample) : IClassFixture<SampleWorkspace>
{
    private Task<CliResult> Query(string sql, params string[] more) =>
        CliRunner.RunAsync(["query", sql, "-w", sample.Dir, .. more]);

    [Fact]
    public async Task Query_prints_an_aligned_table_with_numbers_to_the_right_and_a_row_count()
    {
        var lines = CliAssert.Succeeded(await Query("SELECT customer_id, city, update_timestamp FROM customer ORDER BY customer_id"));
        Assert.Equal(
        [
            "customer_id | city               | update_timestamp",
            "------------+--------------------+--------------------",
            "          7 | Rome               | 2026-03-05 09:00:00",
            "          8 | Wilmslow, Cheshire | 2026-03-01 12:00:00",
            "(2 rows)",
        ], lines);
    }

    [Fact]
    public async Task Query_table_says_one_row_in_the_singular_and_zero_rows_too()
    {
        Assert.Equal(["n", "-", "2", "(1 row)"], CliAssert.Succeeded(await Query("SELECT count(*) AS n FROM customer", "--format", "table")));
        Assert.Equal(["customer_id", "-----------", "(0 rows)"], CliAssert.Succeeded(await Query("SELECT customer_id FROM customer WHERE false")));
    }

    [Fact]
    public async Task Query_csv_has_a_header_row_plain_timestamps_and_true_false_booleans()
    {
        var lines = CliAssert.Succeeded(await Query(
            "SELECT customer_id, email, city, start_time, end_time, is_current FROM customer_history ORDER BY customer_id, start_time",
            "--format", "csv"));
        Assert.Equal(
        [
            "customer_id,email,city,start_time,end_time,is_current",
            "7,ada@example.org,London,2026-03-01 09:00:00,2026-03-02 09:00:00.5,false",
            "7,ada@example.org,Paris,2026-03-02 09:00:00.5,2026-03-03 09:00:00,false",
            "7,ada.king@example.org,Rome,2026-03-05 09:00:00,9999-12-31 00:00:00,true",
            "8,,\"Wilmslow, Cheshire\",2026-03-01 12:00:00,9999-12-31 00:00:00,true",
        ], lines);
    }

    [Fact]
    public async Task Query_csv_shows_microseconds_only_when_present_and_dates_and_lists_as_duckdb_writes_them()
    {
        var lines = CliAssert.Succeeded(await Query(
            "SELECT TIMESTAMP '2026-03-02 09:00:00.000001' AS t, DATE '2026-03-05' AS d, TIME '10:11:12' AS tm, [7, 8] AS ids",
            "--format", "csv"));
        Assert.Equal(["t,d,tm,ids", "2026-03-02 09:00:00.000001,2026-03-05,10:11:12,\"[7, 8]\""], lines);
    }

    [Fact]
    public async Task Query_csv_of_an_empty_answer_is_the_header_alone()
    {
        Assert.Equal(["customer_id,city"],
            CliAssert.Succeeded(await Query("SELECT customer_id, city FROM customer WHERE customer_id < 0", "--format", "csv")));
    }

    [Fact]
    public async Task Query_json_is_an_array_of_objects_with_numbers_booleans_and_nulls_as_json_values()
    {
        var result = await Query(
            "SELECT customer_id, email, city, is_current, start_time, 2.5::DOUBLE AS score FROM customer_history ORDER BY customer_id, start_time",
            "--format", "json");
        CliAssert.Succeeded(result);
        using var doc = JsonDocument.Parse(result.Out);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        var alan = rows[3];
        Assert.Equal(["customer_id", "email", "city", "is_current", "start_time", "score"], alan.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Number, alan.GetProperty("customer_id").ValueKind);
        Assert.Equal(8, alan.GetProperty("customer_id").GetInt64());
        Assert.Equal(JsonValueKind.Null, alan.GetProperty("email").ValueKind);
        Assert.Equal("Wilmslow, Cheshire", alan.GetProperty("city").GetString());
        Assert.Equal(JsonValueKind.True, alan.GetProperty("is_current").ValueKind);
        Assert.Equal(JsonValueKind.False, rows[0].GetProperty("is_current").ValueKind);
        Assert.Equal("2026-03-01T12:00:00Z", alan.GetProperty("start_time").GetString());
        Assert.Equal("2026-03-02T09:00:00.5Z", rows[1].GetProperty("start_time").GetString());
        Assert.Equal(2.5, alan.GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Query_json_of_an_empty_answer_is_an_empty_array_and_numbers_json_cannot_hold_are_strings()
    {
        Assert.Equal("[]", (await Query("SELECT * FROM customer WHERE false", "--format", "json")).Out.Trim());

        var result = await Query("SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, 12345678901234567890::HUGEINT AS c", "--format", "json");
        CliAssert.Succeeded(result);
        using var doc = JsonDocument.Parse(result.Out);
        var row = doc.RootElement.EnumerateArray().Single();
        Assert.Equal("NaN", row.GetProperty("a").GetString());
        Assert.Equal("Infinity", row.GetProperty("b").GetString());
        Assert.Equal(JsonValueKind.Number, row.GetProperty("c").ValueKind);
        Assert.Equal("12345678901234567890", row.GetProperty("c").GetRawText());
    }

    [Theory]
    [InlineData("DELETE FROM customer")]
    [InlineData("INSERT INTO customer (customer_id) VALUES (99)")]
    [InlineData("UPDATE customer SET city = 'Nowhere'")]
    [InlineData("CREATE TABLE evil (a INTEGER)")]
    [InlineData("DROP TABLE customer")]
    [InlineData("TRUNCATE customer_history")]
    [InlineData("PRAGMA enable_profiling")]
    [InlineData("SET threads = 1")]
    [InlineData("INSTALL httpfs")]
    [InlineData("CHECKPOINT")]
    public async Task Query_refuses_a_statement_that_writes(string sql)
    {
        CliAssert.OneLineError(await Query(sql), "query is read-only", "SELECT");
        Assert.Equal(["7|Rome", "8|Wilmslow, Cheshire"], Db.Rows(Open(), "SELECT customer_id, city FROM customer ORDER BY 1"));
        Assert.Equal(4, Db.Count(Open(), "SELECT count(*) FROM customer_history"));
    }

    [Fact]
    public async Task Query_refuses_copy_attach_and_export_and_writes_no_file()
    {
        using var elsewhere = new TempWorkspace();
        var copy = Path.Combine(elsewhere.Dir, "out.csv");
        var attach = Path.Combine(elsewhere.Dir, "other.duckdb");
        var export = Path.Combine(elsewhere.Dir, "export");
        CliAssert.OneLineError(await Query($"COPY customer TO '{copy}'"), "query is read-only");
        CliAssert.OneLineError(await Query($"COPY (SELECT * FROM customer) TO '{copy}' (FORMAT csv)"), "query is read-only");
        CliAssert.OneLineError(await Query($"ATTACH '{attach}' AS other"), "query is read-only");
        CliAssert.OneLineError(await Query($"EXPORT DATABASE '{export}'"), "query is read-only");
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere.Dir));
    }

    [Fact]
    public async Task Query_refuses_several_statements_at_once()
    {
        CliAssert.OneLineError(await Query("SELECT 1; SELECT 2"), "one SELECT statement at a time");
        CliAssert.OneLineError(await Query("SELECT 1; DELETE FROM customer"));
        Assert.Equal(2, Db.Count(Open(), "SELECT count(*) FROM customer"));
    }

    [Fact]
    public async Task Query_reports_a_sql_error_as_one_line()
    {
        CliAssert.OneLineError(await Query("SELECT nope FROM customer"), "SQL error", "nope");
        CliAssert.OneLineError(await Query("SELEC 1"), "SQL error", "SELEC");
        CliAssert.OneLineError(await Query("SELECT * FROM no_such_table"), "SQL error", "no_such_table");
    }

    [Fact]
    public async Task Query_names_the_formats_it_knows_when_given_another()
    {
        CliAssert.OneLineError(await Query("SELECT 1", "--format", "xml"), "'xml'", "'table'", "'csv'", "'json'");
    }

    [Fact]
    public async Task Query_says_clearly_when_the_workspace_does_not_exist()
    {
        var missing = Path.Combine(Path.GetTempPath(), "ct-missing-" + Guid.NewGuid().ToString("N"));
        CliAssert.OneLineError(await CliRunner.RunAsync("query", "SELECT 1", "-w", missing), $"workspace {missing} does not exist", "--workspace");
        Assert.False(Directory.Exists(missing), "a reader must not create the workspace");
    }

    [Fact]
    public async Task Query_says_when_the_workspace_has_no_warehouse_yet()
    {
        using var empty = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync("query", "SELECT 1", "-w", empty.Dir), "no warehouse at", "run --once");
    }

    private CustomerTrack.Workspace Open() => CustomerTrack.Workspace.Open(sample.Dir, create: false);
}
