using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Scd;

/// <summary>
/// One example per rule of docs/semantics.md, each a small hand-written feed through the real
/// pipeline with the exact tables expected. Files are landed and drained one at a time, in the order given, on a test
/// clock that reads 2026-01-02 00:01:00 at the first drain and one minute more at each next one.
/// </summary>
public abstract class ScdRuleTests
{
    /// <summary>The warehouse engine the rules run on.</summary>
    protected abstract Engine Engine { get; }

    private const string Header = "customer_id,first_name,city,updated_at,op\n";
    private const string Customer = "SELECT customer_id, first_name, city, update_timestamp FROM customer ORDER BY customer_id";
    private const string History = """
        SELECT customer_id, first_name, city, start_time, end_time, is_current
        FROM customer_history ORDER BY customer_id, start_time
        """;

    private static readonly DateTime Clock = new(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The table the test's customer files and queries run on (translated by <see cref="FeedTranslation"/> for product).</summary>
    private FeedTable _table = FeedTable.Customer;

    /// <summary>The tables every rule runs on: customer, and product (a composite string key, typed attributes, a mapped op).</summary>
    public static TheoryData<string> TableNames() => ["customer", "product"];

    private void On(string table) => _table = FeedTable.Named(table);

    private async Task<ScdRun> Start(ScdOptions? options = null, int maxBatchRows = 0) =>
        await ScdRun.StartAsync(options ?? ScdOptions.Default, Clock, TimeSpan.FromMinutes(1), maxBatchRows, engine: Engine, table: _table, customerFeed: true);

    /// <summary>Lands each file and drains after it: each file is a later batch than the one before.</summary>
    private async Task<ScdRun> Feed(ScdOptions? options, params string[] files)
    {
        var run = await Start(options);
        for (var i = 0; i < files.Length; i++)
        {
            run.LandCsv($"f{i:D2}.csv", files[i]);
            await run.DrainAsync();
        }

        return run;
    }

    private Task<ScdRun> Feed(params string[] files) => Feed(null, files);

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Tables_depend_only_on_the_set_of_rows_not_on_files_order_or_cadence(string table)
    {
        On(table);
        string[] rows =
        [
            "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT",
            "2,Bob,Rome,2026-01-01T10:00:00Z,INSERT",
            "1,Ann,Bergen,2026-01-01T12:00:00Z,UPDATE",
            "2,,,2026-01-01T11:00:00Z,DELETE",
            "1,Ann,Rome,2026-01-01T11:00:00Z,UPDATE",
            "2,Bob,Paris,2026-01-01T10:30:00Z,UPDATE",
            "2,Bob,Lyon,2026-01-01T13:00:00Z,UPSERT",
        ];
        List<string> expectedCustomer = ["1|Ann|Bergen|2026-01-01 12:00:00", "2|Bob|Lyon|2026-01-01 13:00:00"];
        List<string> expectedHistory =
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false",
            "1|Ann|Rome|2026-01-01 11:00:00|2026-01-01 12:00:00|false",
            "1|Ann|Bergen|2026-01-01 12:00:00|9999-12-31 00:00:00|true",
            "2|Bob|Rome|2026-01-01 10:00:00|2026-01-01 10:30:00|false",
            "2|Bob|Paris|2026-01-01 10:30:00|2026-01-01 11:00:00|false",
            "2|Bob|Lyon|2026-01-01 13:00:00|9999-12-31 00:00:00|true",
        ];

        // One file, one batch.
        await using (var run = await Feed(Header + string.Join("\n", rows)))
        {
            Assert.Equal(expectedCustomer, run.Rows(Customer));
            Assert.Equal(expectedHistory, run.Rows(History));
        }

        // One file per row, in reverse order, a batch each.
        await using (var run = await Feed([.. rows.Reverse().Select(r => Header + r)]))
        {
            Assert.Equal(expectedCustomer, run.Rows(Customer));
            Assert.Equal(expectedHistory, run.Rows(History));
        }

        // Three files landed together, applied two ledger rows per task run.
        await using (var run = await Start(maxBatchRows: 2))
        {
            run.LandCsv("c.csv", Header + string.Join("\n", rows[..2]));
            run.LandCsv("a.csv", Header + string.Join("\n", rows[2..5]));
            run.LandCsv("b.csv", Header + string.Join("\n", rows[5..]));
            var drain = await run.DrainAsync();
            Assert.Equal(4, drain.TaskRuns.Count);
            Assert.Equal(expectedCustomer, run.Rows(Customer));
            Assert.Equal(expectedHistory, run.Rows(History));
        }
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Change_older_than_the_row_shown_is_dropped(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,UPSERT",
            Header + "1,Ann,Rome,2026-01-01T09:00:00Z,UPSERT");

        Assert.Equal(["1|Ann|Oslo|2026-01-01 10:00:00"], run.Rows(Customer));

        // customer_history keeps it, at its own sequence.
        Assert.Equal(
        [
            "1|Ann|Rome|2026-01-01 09:00:00|2026-01-01 10:00:00|false",
            "1|Ann|Oslo|2026-01-01 10:00:00|9999-12-31 00:00:00|true",
        ], run.Rows(History));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Delete_leaves_a_tombstone_against_older_changes(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT",
            Header + "1,,,2026-01-01T11:00:00Z,DELETE");
        Assert.Empty(run.Rows(Customer));

        // A change older than the delete arrives late: the customer stays deleted.
        run.LandCsv("late.csv", Header + "1,Ann,Rome,2026-01-01T10:30:00Z,UPDATE");
        await run.DrainAsync();
        Assert.Empty(run.Rows(Customer));
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 10:30:00|false",
            "1|Ann|Rome|2026-01-01 10:30:00|2026-01-01 11:00:00|false",
        ], run.Rows(History));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Change_newer_than_the_delete_recreates_the_customer(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT",
            Header + "1,,,2026-01-01T11:00:00Z,DELETE",
            Header + "1,Ann,Bergen,2026-01-01T12:00:00Z,INSERT");

        Assert.Equal(["1|Ann|Bergen|2026-01-01 12:00:00"], run.Rows(Customer));
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false",
            "1|Ann|Bergen|2026-01-01 12:00:00|9999-12-31 00:00:00|true",
        ], run.Rows(History));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Late_update_is_spliced_into_history(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT\n1,Ann,Bergen,2026-01-01T12:00:00Z,UPDATE");
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 12:00:00|false",
            "1|Ann|Bergen|2026-01-01 12:00:00|9999-12-31 00:00:00|true",
        ], run.Rows(History));

        run.LandCsv("late.csv", Header + "1,Ann,Rome,2026-01-01T11:00:00Z,UPDATE");
        await run.DrainAsync();

        // The late change sits between its neighbours; Oslo now ends where Rome starts.
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false",
            "1|Ann|Rome|2026-01-01 11:00:00|2026-01-01 12:00:00|false",
            "1|Ann|Bergen|2026-01-01 12:00:00|9999-12-31 00:00:00|true",
        ], run.Rows(History));
        Assert.Equal(["1|Ann|Bergen|2026-01-01 12:00:00"], run.Rows(Customer));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Delete_closes_the_current_version_at_its_sequence_and_adds_no_row(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT\n1,Ann,Rome,2026-01-01T11:00:00Z,UPDATE",
            Header + "1,Ann,Rome,2026-01-01T12:00:00Z,D");

        Assert.Empty(run.Rows(Customer));
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false",
            "1|Ann|Rome|2026-01-01 11:00:00|2026-01-01 12:00:00|false",
        ], run.Rows(History));
        Assert.Empty(run.Rows("SELECT * FROM customer_history WHERE is_deleted"));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Two_changes_of_one_customer_in_one_batch_both_become_versions(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT\n1,Ann,Rome,2026-01-01T10:00:01Z,UPDATE\n1,Ann,Oslo,2026-01-01T10:00:02Z,UPDATE");

        var drain = Assert.Single(run.Runs);
        Assert.Equal(3, drain.RowsRead);
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 10:00:01|false",
            "1|Ann|Rome|2026-01-01 10:00:01|2026-01-01 10:00:02|false",
            "1|Ann|Oslo|2026-01-01 10:00:02|9999-12-31 00:00:00|true",
        ], run.Rows(History));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Intervals_are_half_open_and_the_open_version_ends_9999_12_31(string table)
    {
        On(table);
        await using var run = await Feed(Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT\n1,Ann,Rome,2026-01-01T11:00:00Z,UPDATE");

        // At 11:00 exactly, Rome is valid and Oslo is not: [start_time, end_time).
        Assert.Equal(["Rome"], run.Rows("""
            SELECT city FROM customer_history
            WHERE start_time <= TIMESTAMP '2026-01-01 11:00:00' AND TIMESTAMP '2026-01-01 11:00:00' < end_time
            """));
        Assert.Equal(["Oslo"], run.Rows("""
            SELECT city FROM customer_history
            WHERE start_time <= TIMESTAMP '2026-01-01 10:59:59.999999' AND TIMESTAMP '2026-01-01 10:59:59.999999' < end_time
            """));
        Assert.Equal(["Rome|9999-12-31 00:00:00|true"], run.Rows("SELECT city, end_time, is_current FROM customer_history WHERE is_current"));
        Assert.Equal(["Oslo|2026-01-01 11:00:00|false"], run.Rows("SELECT city, end_time, is_current FROM customer_history WHERE NOT is_current"));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Change_to_or_from_null_is_a_change(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT",
            Header + "1,Ann,,2026-01-01T11:00:00Z,UPDATE",
            Header + "1,Ann,Oslo,2026-01-01T12:00:00Z,UPDATE");

        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false",
            "1|Ann|∅|2026-01-01 11:00:00|2026-01-01 12:00:00|false",
            "1|Ann|Oslo|2026-01-01 12:00:00|9999-12-31 00:00:00|true",
        ], run.Rows(History));
        Assert.Equal(["1|Ann|Oslo|2026-01-01 12:00:00"], run.Rows(Customer));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Change_equal_to_the_version_before_adds_no_version(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT",
            Header + "1,Ann,Oslo,2026-01-01T11:00:00Z,UPDATE",
            Header + "1,Ann,Oslo,2026-01-01T10:30:00Z,UPDATE");

        Assert.Equal(["1|Ann|Oslo|2026-01-01 10:00:00|9999-12-31 00:00:00|true"], run.Rows(History));

        // customer shows the highest-sequence change: the same values, as of 11:00.
        Assert.Equal(["1|Ann|Oslo|2026-01-01 11:00:00"], run.Rows(Customer));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Same_row_loaded_twice_changes_nothing(string table)
    {
        On(table);
        const string A = "1,Ann,Oslo,2026-01-01T10:00:00Z,UPSERT";
        const string B = "1,Ann,Rome,2026-01-01T10:00:00Z,UPSERT";
        await using var run = await Feed(Header + A, Header + B);
        var customer = run.Rows(Customer);
        var history = run.Rows(History);
        Assert.Equal(["1|Ann|Rome|2026-01-01 10:00:00"], customer);

        // A again, in a file of another name: loaded, but it is no new change. B, the later of the two, still wins.
        run.LandCsv("again.csv", Header + A + "\n" + A);
        await run.DrainAsync();
        Assert.Equal(3, run.Runs.Count);
        Assert.Equal(0, run.Runs[^1].Ties);
        Assert.Equal(customer, run.Rows(Customer));
        Assert.Equal(history, run.Rows(History));
        Assert.Equal(["1|Ann|Rome|2026-01-01 10:00:00|9999-12-31 00:00:00|true"], run.Rows(History));

        // What a row does is the change: an UPDATE of B's values is B again, and two DELETEs are one whatever they carry.
        run.LandCsv("same.csv", Header + "1,Ann,Rome,2026-01-01T10:00:00Z,UPDATE\n1,,,2026-01-01T12:00:00Z,DELETE\n1,Ann,Oslo,2026-01-01T12:00:00Z,D");
        await run.DrainAsync();
        Assert.Equal(0, run.Runs[^1].Ties);
        Assert.Empty(run.Rows(Customer));
        Assert.Equal(["1|Ann|Rome|2026-01-01 10:00:00|2026-01-01 12:00:00|false"], run.Rows(History));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Tie_is_won_by_the_row_loaded_last_and_counted(string table)
    {
        On(table);
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,UPSERT\n2,Bob,Oslo,2026-01-01T10:00:00Z,UPSERT\n2,Bob,Rome,2026-01-01T10:00:00Z,UPSERT",
            Header + "1,Ann,Paris,2026-01-01T10:00:00Z,UPSERT");

        // Customer 2: the later line of one file; customer 1: the later file.
        Assert.Equal(["1|Ann|Paris|2026-01-01 10:00:00", "2|Bob|Rome|2026-01-01 10:00:00"], run.Rows(Customer));
        Assert.Equal(
        [
            "1|Ann|Paris|2026-01-01 10:00:00|9999-12-31 00:00:00|true",
            "2|Bob|Rome|2026-01-01 10:00:00|9999-12-31 00:00:00|true",
        ], run.Rows(History));
        Assert.Equal(["1|1", "2|1"], run.Rows("SELECT run_id, ties FROM task_run ORDER BY run_id"));

        var status = await CliRunner.RunAsync(run.Cli("status"));
        Assert.True(status.Code == 0, status.ToString());
        Assert.Contains("2 run(s), 2 tie(s)", status.Out, StringComparison.Ordinal);
        var json = await CliRunner.RunAsync(run.Cli("status", "--json"));
        Assert.Contains("\"ties_total\": 2", json.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task TrackHistoryExcept_updates_the_current_version_in_place_with_the_highest_sequence_value(string table)
    {
        On(table);
        const string Head = "customer_id,first_name,city,email,updated_at\n";
        await using var run = await Feed(new ScdOptions(["email"], false, "close"),
            Head + "1,Ann,Oslo,a@x,2026-01-01T10:00:00Z\n1,Ann,Oslo,b@x,2026-01-01T11:00:00Z",
            Head + "1,Ann,Oslo,c@x,2026-01-01T10:30:00Z",
            Head + "1,Ann,Rome,d@x,2026-01-01T12:00:00Z",
            Head + "1,Ann,Oslo,e@x,2026-01-01T11:30:00Z");

        // email changes no version; each version shows the email of its highest-sequence change (11:30 beats 11:00 and 10:30).
        Assert.Equal(
        [
            "Ann|Oslo|e@x|2026-01-01 10:00:00|2026-01-01 12:00:00|false",
            "Ann|Rome|d@x|2026-01-01 12:00:00|9999-12-31 00:00:00|true",
        ], run.Rows("SELECT first_name, city, email, start_time, end_time, is_current FROM customer_history ORDER BY start_time"));
        Assert.Equal(["Rome|d@x|2026-01-01 12:00:00"], run.Rows("SELECT city, email, update_timestamp FROM customer"));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task IgnoreNullUpdates_treats_a_null_attribute_as_unchanged(string table)
    {
        On(table);
        await using var run = await Feed(new ScdOptions([], true, "close"),
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT",
            Header + "1,,Rome,2026-01-01T11:00:00Z,UPDATE",
            Header + "1,Ann,,2026-01-01T12:00:00Z,UPDATE",
            Header + "1,,,2026-01-01T13:00:00Z,DELETE",
            Header + "1,,Bergen,2026-01-01T14:00:00Z,INSERT");

        // 12:00 changes nothing (Ann was Ann, NULL city keeps Rome); after the delete nothing is carried over.
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false",
            "1|Ann|Rome|2026-01-01 11:00:00|2026-01-01 13:00:00|false",
            "1|∅|Bergen|2026-01-01 14:00:00|9999-12-31 00:00:00|true",
        ], run.Rows(History));
        Assert.Equal(["1|∅|Bergen|2026-01-01 14:00:00"], run.Rows(Customer));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task DeleteMode_tombstone_row_adds_a_deleted_version_closed_when_the_customer_comes_back(string table)
    {
        On(table);
        const string WithDeleted = """
            SELECT customer_id, first_name, city, start_time, end_time, is_current, is_deleted
            FROM customer_history ORDER BY start_time
            """;
        await using var run = await Feed(new ScdOptions([], false, "tombstone-row"),
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT",
            Header + "1,Ann,Oslo,2026-01-01T11:00:00Z,DELETE");
        Assert.Empty(run.Rows(Customer));
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false|false",
            "1|∅|∅|2026-01-01 11:00:00|9999-12-31 00:00:00|true|true",
        ], run.Rows(WithDeleted));

        run.LandCsv("back.csv", Header + "1,Ann,Rome,2026-01-01T12:00:00Z,INSERT");
        await run.DrainAsync();
        Assert.Equal(["1|Ann|Rome|2026-01-01 12:00:00"], run.Rows(Customer));
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-01 10:00:00|2026-01-01 11:00:00|false|false",
            "1|∅|∅|2026-01-01 11:00:00|2026-01-01 12:00:00|false|true",
            "1|Ann|Rome|2026-01-01 12:00:00|9999-12-31 00:00:00|true|false",
        ], run.Rows(WithDeleted));
    }

    [Fact]
    public async Task Original_tutorial_files_load_unchanged_sequenced_by_load_time_and_position()
    {
        // The tutorial generator's eight columns: no updated_at, no op.
        const string Tutorial = "customer_id,first_name,last_name,email,street,city,state,country\n";
        await using var run = await Feed(
            Tutorial + "1,Ann,Lee,ann@x,1 Main St,Oslo,Oslo,NO\n2,Bob,Ray,bob@x,2 High St,Rome,Lazio,IT\n1,Ann,Lee,ann@x,1 Main St,Bergen,Vestland,NO",
            Tutorial + "2,Bob,Ray,bob@x,2 High St,Milan,Lombardy,IT");

        Assert.Equal(["0"], run.Rows("SELECT count(*) FROM load_rejects"));

        // Loaded at 00:01 (lines 2 to 4: 2 to 4 microseconds on) and 00:02 (line 2).
        Assert.Equal(["1|Ann|Bergen|2026-01-02 00:01:00.000004", "2|Bob|Milan|2026-01-02 00:02:00.000002"], run.Rows(Customer));
        Assert.Equal(
        [
            "1|Ann|Oslo|2026-01-02 00:01:00.000002|2026-01-02 00:01:00.000004|false",
            "1|Ann|Bergen|2026-01-02 00:01:00.000004|9999-12-31 00:00:00|true",
            "2|Bob|Rome|2026-01-02 00:01:00.000003|2026-01-02 00:02:00.000002|false",
            "2|Bob|Milan|2026-01-02 00:02:00.000002|9999-12-31 00:00:00|true",
        ], run.Rows(History));
    }

    [Fact]
    public async Task The_current_table_declares_its_key_only_where_the_index_pays()
    {
        // PostgreSQL's b-tree serves the task's delete by key; DuckDB's ART index made every checkpoint rewrite it
        // whole (docs/benchmarks.md). One row a key is the plan's to keep, and the property suites check it. Read from the
        // catalog: information_schema shows a constraint only to a role that may write the table, which a reader may not.
        await using var run = await Feed(Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT");
        var primaryKeys = run.Rows(Engine == Engine.DuckDb
            ? "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'customer' AND constraint_type = 'PRIMARY KEY'"
            : "SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                + "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = 'customer' AND c.contype = 'p'");
        Assert.Equal([Engine == Engine.Postgres ? "1" : "0"], primaryKeys);
    }

    [Fact]
    public async Task Rebuild_recomputes_both_tables_equal_to_incremental()
    {
        await using var run = await Feed(
            Header + "1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT\n2,Bob,Rome,2026-01-01T10:00:00Z,INSERT",
            Header + "1,Ann,Bergen,2026-01-01T12:00:00Z,UPDATE\n2,,,2026-01-01T11:00:00Z,DELETE",
            Header + "1,Ann,Rome,2026-01-01T11:00:00Z,UPDATE\n2,Bob,Paris,2026-01-01T10:30:00Z,UPDATE\n1,Ann,Lyon,2026-01-01T11:00:00Z,UPDATE");
        const string AllHistory = $"SELECT {ScdModel.HistoryColumns} FROM customer_history ORDER BY customer_id, start_time";
        var customer = run.Rows(Customer);
        var history = run.Rows(AllHistory);
        Assert.Equal(5, history.Count);
        await run.StopAsync();

        // The CLI command, in this process, on the workspace the pipeline left.
        var rebuild = await CliRunner.RunAsync(run.Cli("rebuild"));
        Assert.True(rebuild.Code == 0, rebuild.ToString());
        Assert.Contains("rebuild: 2 customers, 5 versions from 7 ledger rows", rebuild.Out, StringComparison.Ordinal);
        Assert.Equal(customer, Db.Rows(run.Workspace, Customer));
        Assert.Equal(history, Db.Rows(run.Workspace, AllHistory));
        Assert.Equal(["stream|0", "stream|0", "stream|1", "rebuild|1"], Db.Rows(run.Workspace, "SELECT kind, ties FROM task_run ORDER BY run_id"));
    }
}

/// <summary>The rules on the embedded warehouse.</summary>
public sealed class ScdRuleTestsOnDuckDb : ScdRuleTests
{
    protected override Engine Engine => Engine.DuckDb;
}

/// <summary>The rules on the server warehouse.</summary>
public sealed class ScdRuleTestsOnPostgres : ScdRuleTests
{
    protected override Engine Engine => Engine.Postgres;
}
