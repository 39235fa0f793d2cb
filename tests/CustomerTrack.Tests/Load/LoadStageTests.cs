using CustomerTrack.Lake;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>Loading into the warehouse: exactly once, the load history, duplicates, rejects and the error policies.</summary>
public abstract class LoadStageTests
{
    /// <summary>The warehouse engine the files load into.</summary>
    protected abstract Engine Engine { get; }

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private const string Good = """
        customer_id,first_name,last_name,updated_at,op
        1,Ada,Lovelace,2026-11-27T10:00:00Z,INSERT
        2,Grace,Hopper,2026-11-27T10:00:01Z,INSERT

        """;

    private const string TutorialHeader = "customer_id,first_name,last_name,email,street,city,state,country";

    private static async Task<(Workspace Ws, DrainSummary Drained)> LoadAsync(TempWorkspace tmp, TimeProvider? time,
        Dictionary<string, string?>? flags, params (string Name, string Content)[] files) =>
        await LoadAsync(tmp, time, flags, tasks: false, files);

    /// <summary>Lands the files and runs ingest and load once (tasks too with <paramref name="tasks"/>).</summary>
    private static async Task<(Workspace Ws, DrainSummary Drained)> LoadAsync(TempWorkspace tmp, TimeProvider? time,
        Dictionary<string, string?>? flags, bool tasks, params (string Name, string Content)[] files)
    {
        foreach (var (name, content) in files)
        {
            tmp.Land(name, content);
        }

        var ws = tmp.Open(flags);
        var stages = tasks ? Stages.All : Stages.Ingest | Stages.Load;
        var drained = await Pipelines.DrainAsync(ws, time ?? new FakeTimeProvider(Now), stages);
        return (ws, drained);
    }

    private static Task<(Workspace Ws, DrainSummary Drained)> LoadAsync(TempWorkspace tmp, params (string Name, string Content)[] files) =>
        LoadAsync(tmp, null, null, files);

    private static string KeyOf(Workspace ws, string fileName) =>
        Assert.Single(Db.Rows(ws, $"SELECT file_key FROM load_history WHERE file_name = '{fileName}'"));

    /// <summary>Every row of every file is in the ledger or in the rejects table, and the load history adds up.</summary>
    private static void AssertAccounted(Workspace ws) =>
        Assert.Empty(Db.Rows(ws, """
            SELECT l.file_key FROM load_history l
            WHERE l.rows_in_file <> l.rows_loaded + l.rows_rejected
               OR l.rows_loaded <> (SELECT count(*) FROM customer_raw r WHERE r._file = l.file_key)
               OR l.rows_rejected <> (SELECT count(*) FROM load_rejects j WHERE j.file_key = l.file_key)
            """));

    [Fact]
    public async Task Each_file_is_loaded_exactly_once_and_a_second_drain_loads_nothing()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, first) = await LoadAsync(tmp, ("a.csv", Good), ("b.csv", Good.Replace("Ada", "Adele", StringComparison.Ordinal)));
        Assert.Equal(2, first.FilesLoaded);

        var (_, second) = await LoadAsync(tmp);
        Assert.Equal(0, second.FilesIngested);
        Assert.Equal(0, second.FilesLoaded);

        var (_, third) = await LoadAsync(tmp, ("c.csv", "customer_id\n3\n"));
        Assert.Equal(1, third.FilesLoaded);

        Assert.Equal(["a.csv|LOADED|2", "b.csv|LOADED|2", "c.csv|LOADED|1"],
            Db.Rows(ws, "SELECT file_name, status, rows_loaded FROM load_history ORDER BY file_name"));
        Assert.Equal(5, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        Assert.Equal(5, Db.Count(ws, "SELECT count(DISTINCT _seq) FROM customer_raw"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task The_same_name_and_content_under_another_lake_key_is_recorded_skipped_and_adds_no_rows()
    {
        using var tmp = new TempWorkspace(Engine);
        var time = new FakeTimeProvider(Now);
        var (ws, _) = await LoadAsync(tmp, time, null, ("customers.csv", Good));
        var firstKey = KeyOf(ws, "customers.csv");

        // The same file arrives again a day later, so ingest stores it under another date.
        time.Advance(TimeSpan.FromDays(1));
        var (_, again) = await LoadAsync(tmp, time, null, ("customers.csv", Good));
        Assert.Equal(1, again.FilesLoaded);

        var history = Db.Rows(ws, "SELECT file_key, status, rows_loaded, error FROM load_history ORDER BY file_key");
        Assert.Equal(2, history.Count);
        Assert.Equal($"{firstKey}|LOADED|2|∅", history[0]);
        Assert.StartsWith("2031/02/04/customers_", history[1], StringComparison.Ordinal);
        Assert.EndsWith($"|LOAD_SKIPPED|0|already loaded as {firstKey} (same name and content)", history[1], StringComparison.Ordinal);
        Assert.Equal(2, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        Assert.Equal([firstKey], Db.Rows(ws, "SELECT DISTINCT _file FROM customer_raw"));
    }

    [Fact]
    public async Task Tutorial_files_with_eight_columns_load_unchanged_and_are_sequenced_by_load_time_and_line()
    {
        using var tmp = new TempWorkspace(Engine);
        var time = new FakeTimeProvider(Now);
        var (ws, _) = await LoadAsync(tmp, time, null, tasks: true, ("customer_20310203120000.csv", $"""
            {TutorialHeader}
            1,Ann,Lee,ann@example.com,1 Main St,Springfield,IL,USA
            2,Bob,Ray,bob@example.com,"2 Elm St, Apt 4",Shelbyville,IL,USA
            1,Anna,Lee,anna@example.com,1 Main St,Springfield,IL,USA

            """));

        Assert.Equal(["LOADED|3|0|∅"], Db.Rows(ws, "SELECT status, rows_loaded, rows_rejected, unknown_columns FROM load_history"));
        Assert.Equal(
            [
                "2|1|Ann|Lee|ann@example.com|1 Main St|Springfield|IL|USA|UPSERT|false|2031-02-03 12:00:00.000002",
                "3|2|Bob|Ray|bob@example.com|2 Elm St, Apt 4|Shelbyville|IL|USA|UPSERT|false|2031-02-03 12:00:00.000003",
                "4|1|Anna|Lee|anna@example.com|1 Main St|Springfield|IL|USA|UPSERT|false|2031-02-03 12:00:00.000004",
            ],
            Db.Rows(ws, """
                SELECT _line, customer_id, first_name, last_name, email, street, city, state, country, op, _event_time_given, updated_at
                FROM customer_raw ORDER BY _seq
                """));

        // The later line of the file wins.
        Assert.Equal(["1|Anna|anna@example.com", "2|Bob|bob@example.com"],
            Db.Rows(ws, "SELECT customer_id, first_name, email FROM customer ORDER BY customer_id"));

        // A file loaded later wins over one loaded earlier.
        time.Advance(TimeSpan.FromSeconds(1));
        await LoadAsync(tmp, time, null, tasks: true, ("customer_20310203120001.csv", $"""
            {TutorialHeader}
            1,Annie,Lee,annie@example.com,1 Main St,Springfield,IL,USA

            """));
        Assert.Equal(["1|Annie|2031-02-03 12:00:01.000002", "2|Bob|2031-02-03 12:00:00.000003"],
            Db.Rows(ws, "SELECT customer_id, first_name, update_timestamp FROM customer ORDER BY customer_id"));
        Assert.Equal(["Ann", "Anna", "Annie"], Db.Rows(ws, "SELECT first_name FROM customer_history WHERE customer_id = 1 ORDER BY start_time"));
    }

    [Fact]
    public async Task A_later_tutorial_file_wins_over_an_earlier_one_even_when_both_load_in_the_same_instant()
    {
        using var tmp = new TempWorkspace(Engine);

        // The clock stands still, and the earlier file's change sits further down its file than the later file's.
        var (ws, drained) = await LoadAsync(tmp, new FakeTimeProvider(Now), null, tasks: true,
            ("a_first.csv", $"{TutorialHeader}\n2,Bob,Ray,,,,,\n3,Cy,Young,,,,,\n1,Old,Name,,,,,\n"),
            ("b_second.csv", $"{TutorialHeader}\n1,New,Name,,,,,\n"));
        Assert.Equal(2, drained.FilesLoaded);

        Assert.Equal(["New"], Db.Rows(ws, "SELECT first_name FROM customer WHERE customer_id = 1"));
        Assert.Equal(["a_first.csv", "a_first.csv", "a_first.csv", "b_second.csv"],
            Db.Rows(ws, "SELECT l.file_name FROM customer_raw r JOIN load_history l ON l.file_key = r._file ORDER BY r.updated_at"));

        // Still so after a restart: the next file's rows come after every processing-time row already loaded.
        var (_, later) = await LoadAsync(tmp, new FakeTimeProvider(Now), null, tasks: true, ("c_third.csv", $"{TutorialHeader}\n1,Newest,Name,,,,,\n"));
        Assert.Equal(1, later.FilesLoaded);
        Assert.Equal(["Newest"], Db.Rows(ws, "SELECT first_name FROM customer WHERE customer_id = 1"));
    }

    [Fact]
    public async Task Rows_that_break_the_contract_are_rejected_with_file_line_field_and_reason_and_the_rest_loads()
    {
        using var tmp = new TempWorkspace(Engine);
        string[] lines =
        [
            "customer_id,first_name,updated_at,op",
            "1,Ada,2026-11-27T10:00:00Z,INSERT",
            "x7,Bad,2026-11-27T10:00:00Z,INSERT",
            "2,Bad,27/11/2026,INSERT",
            "3,Bad,2026-11-27T10:00:00Z,MERGE",
            ",Empty,2026-11-27T10:00:00Z,INSERT",
            "4,Grace,2026-11-27T10:00:01Z,U",
            "5,Too,2026-11-27T10:00:00Z,INSERT,many",
            "6,Alan,2026-11-27T10:00:02Z,",
        ];
        var (ws, _) = await LoadAsync(tmp, ("mixed.csv", string.Join("\n", lines) + "\n"));
        var key = KeyOf(ws, "mixed.csv");

        Assert.Equal(["PARTIALLY_LOADED|8|3|5"], Db.Rows(ws, "SELECT status, rows_in_file, rows_loaded, rows_rejected FROM load_history"));
        Assert.Equal(["2|1|Ada|INSERT", "7|4|Grace|UPDATE", "9|6|Alan|UPSERT"],
            Db.Rows(ws, "SELECT _line, customer_id, first_name, op FROM customer_raw ORDER BY _line"));

        var rejects = Db.Rows(ws, "SELECT file_key, line, field, reason, raw FROM load_rejects ORDER BY line");
        Assert.Equal(
            [
                $"{key}|3|customer_id|'x7' is not a 64-bit integer|{lines[2]}",
                $"{key}|4|updated_at|'27/11/2026' is not an ISO 8601 timestamp (like 2026-11-27T10:15:00Z)|{lines[3]}",
                $"{key}|5|op|'MERGE' is not one of UPSERT, INSERT, UPDATE, DELETE, I, U, D|{lines[4]}",
                $"{key}|6|customer_id|is empty; every row needs a customer_id|{lines[5]}",
                $"{key}|8|(row)|has 5 fields, the header has 4|{lines[7]}",
            ],
            rejects);
        AssertAccounted(ws);
    }

    [Fact]
    public async Task Line_numbers_count_physical_lines_after_a_quoted_field_that_spans_lines()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, ("multiline.csv", "customer_id,street,op\n1,\"1 Main St\nApt 2\",INSERT\n2,2 Elm St,MERGE\n3,3 Oak St,D\n"));

        Assert.Equal(["2|1 Main St\nApt 2|INSERT", "5|3 Oak St|DELETE"], Db.Rows(ws, "SELECT _line, street, op FROM customer_raw ORDER BY _line"));
        Assert.Equal(["4|op"], Db.Rows(ws, "SELECT line, field FROM load_rejects"));
    }

    [Fact]
    public async Task Skip_file_rejects_every_row_of_a_file_with_any_bad_row_and_still_loads_clean_files()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, null, new() { ["Load:OnError"] = "skip_file" },
            ("bad.csv", "customer_id,first_name\n1,Ada\n2,Grace\nnope,Bad\n3,Alan\n"),
            ("clean.csv", Good));
        var bad = KeyOf(ws, "bad.csv");

        Assert.Equal(["bad.csv|LOAD_FAILED|4|0|4", "clean.csv|LOADED|2|2|0"],
            Db.Rows(ws, "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected FROM load_history ORDER BY file_name"));
        Assert.Equal(0, Db.Count(ws, $"SELECT count(*) FROM customer_raw WHERE _file = '{bad}'"));
        Assert.Equal(
            [
                "2|(file)|file skipped (Load:OnError is skip_file): 1 of its rows broke the contract",
                "3|(file)|file skipped (Load:OnError is skip_file): 1 of its rows broke the contract",
                "4|customer_id|'nope' is not a 64-bit integer",
                "5|(file)|file skipped (Load:OnError is skip_file): 1 of its rows broke the contract",
            ],
            Db.Rows(ws, $"SELECT line, field, reason FROM load_rejects WHERE file_key = '{bad}' ORDER BY line"));
        Assert.Equal(2, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task Abort_makes_the_drain_throw_naming_file_line_and_field_and_loads_nothing_of_that_file()
    {
        using var tmp = new TempWorkspace(Engine);
        var flags = new Dictionary<string, string?> { ["Load:OnError"] = "abort" };
        tmp.Land("a_clean.csv", Good);
        tmp.Land("b_bad.csv", "customer_id,first_name,op\n10,Ada,INSERT\n11,Grace,MERGE\n12,Alan,INSERT\n");
        var ws = tmp.Open(flags);

        var e = await Assert.ThrowsAsync<InputRejectedException>(() =>
            Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load));

        Assert.Equal("b_bad.csv", LakeKey.Parse(e.File).FileName);
        Assert.Equal(3, e.Line);
        Assert.Equal("op", e.Field);
        Assert.Contains($"{e.File} line 3, field op: 'MERGE' is not one of", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, Db.Count(ws, $"SELECT count(*) FROM customer_raw WHERE _file = '{e.File}'"));
        Assert.Equal(0, Db.Count(ws, $"SELECT count(*) FROM load_rejects WHERE file_key = '{e.File}'"));
        Assert.Equal(["a_clean.csv|LOADED"], Db.Rows(ws, "SELECT file_name, status FROM load_history"));
        Assert.Equal(2, Db.Count(ws, "SELECT count(*) FROM customer_raw"));

        // The file stays unloaded: the next run stops at it again, until it is fixed or removed.
        var again = await Assert.ThrowsAsync<InputRejectedException>(() =>
            Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Load));
        Assert.Equal(e.File, again.File);
        Assert.Equal(2, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
    }

    [Fact]
    public async Task Unknown_columns_are_ignored_and_listed_in_the_load_history()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, ("extra.csv", """
            customer_id,Loyalty_Tier,first_name,Notes,updated_at,op
            1,gold,Ada,"likes, commas",2026-11-27T10:00:00Z,INSERT
            2,silver,Grace,,2026-11-27T10:00:01Z,INSERT

            """));

        Assert.Equal(["LOADED|2|0|loyalty_tier,notes"], Db.Rows(ws, "SELECT status, rows_loaded, rows_rejected, unknown_columns FROM load_history"));
        Assert.Equal(["1|Ada", "2|Grace"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
    }

    [Fact]
    public async Task Timestamps_with_an_offset_are_converted_to_utc_and_those_without_are_taken_as_utc()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, ("zones.csv", """
            customer_id,updated_at
            1,2026-11-27T12:00:00+02:00
            2,2026-11-27T10:00:00.123456-05:30
            3,2026-11-27 10:00:00
            4,2026-11-27T23:30:00-01:00
            5,2026-11-27T10:00:00Z
            6,2026-11-27T10:00:00.1234567Z

            """));

        Assert.Equal(
            [
                "1|2026-11-27 10:00:00|true",
                "2|2026-11-27 15:30:00.123456|true",
                "3|2026-11-27 10:00:00|true",
                "4|2026-11-28 00:30:00|true",
                "5|2026-11-27 10:00:00|true",
                "6|2026-11-27 10:00:00.123456|true",
            ],
            Db.Rows(ws, "SELECT customer_id, updated_at, _event_time_given FROM customer_raw ORDER BY customer_id"));
    }

    [Fact]
    public async Task An_empty_op_means_upsert_and_single_letters_in_any_case_are_accepted()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, ("ops.csv", "customer_id,op\n1,\n2,i\n3,U\n4,d\n5,Insert\n6,uPdAtE\n7,delete\n8,UpSeRt\n9, u \n10,D\n"));

        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM load_rejects"));
        Assert.Equal(
            ["1|UPSERT", "2|INSERT", "3|UPDATE", "4|DELETE", "5|INSERT", "6|UPDATE", "7|DELETE", "8|UPSERT", "9|UPDATE", "10|DELETE"],
            Db.Rows(ws, "SELECT customer_id, op FROM customer_raw ORDER BY customer_id"));
    }

    [Fact]
    public async Task A_header_only_file_loads_zero_rows_and_an_empty_file_fails_with_a_reason()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, drained) = await LoadAsync(tmp,
            ("header_only.csv", "customer_id,first_name,updated_at,op\n"),
            ("header_only_no_newline.csv", "customer_id,first_name"),
            ("empty.csv", ""));
        Assert.Equal(3, drained.FilesLoaded);

        Assert.Equal(
            [
                "empty.csv|LOAD_FAILED|0|0|0|the file is empty (no header row)",
                "header_only.csv|LOADED|0|0|0|∅",
                "header_only_no_newline.csv|LOADED|0|0|0|∅",
            ],
            Db.Rows(ws, "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected, error FROM load_history ORDER BY file_name"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM load_rejects"));
    }

    [Fact]
    public async Task A_header_without_customer_id_rejects_each_row_with_a_reason()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp,
            ("no_key.csv", "first_name,last_name\nAda,Lovelace\nGrace,Hopper\n"),
            ("no_header.csv", "1,Ada,Lovelace\n2,Grace,Hopper\n3,Alan,Turing\n"));

        const string Reason = "the header has no customer_id column (is the header row missing?)";
        Assert.Equal([$"no_header.csv|LOAD_FAILED|2|0|2|{Reason}", $"no_key.csv|LOAD_FAILED|2|0|2|{Reason}"],
            Db.Rows(ws, "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected, error FROM load_history ORDER BY file_name"));
        Assert.Equal(
            [$"2|(header)|{Reason}|2,Grace,Hopper", $"3|(header)|{Reason}|3,Alan,Turing"],
            Db.Rows(ws, $"SELECT line, field, reason, raw FROM load_rejects WHERE file_key = '{KeyOf(ws, "no_header.csv")}' ORDER BY line"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_header_naming_a_column_twice_rejects_each_row_with_a_reason()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, ("twice.csv", "customer_id,email,Email\n1,a@example.com,b@example.com\n2,c@example.com,d@example.com\n"));

        Assert.Equal(["LOAD_FAILED|0|2|the header names column 'email' twice"],
            Db.Rows(ws, "SELECT status, rows_loaded, rows_rejected, error FROM load_history"));
        Assert.Equal(["2|(header)", "3|(header)"], Db.Rows(ws, "SELECT line, field FROM load_rejects ORDER BY line"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
    }

    [Fact]
    public async Task A_row_with_the_wrong_number_of_fields_is_rejected_and_its_neighbours_load()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, ("columns.csv", "customer_id,first_name,last_name\n1,Ada,Lovelace\n2,Grace\n3,Alan,Turing,extra\n4,Edsger,Dijkstra\n"));

        Assert.Equal(["1|Ada", "4|Edsger"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
        Assert.Equal(["3|(row)|has 2 fields, the header has 3|2,Grace", "4|(row)|has 4 fields, the header has 3|3,Alan,Turing,extra"],
            Db.Rows(ws, "SELECT line, field, reason, raw FROM load_rejects ORDER BY line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task An_unclosed_quote_is_rejected_with_the_text_it_swallowed_and_the_rows_before_it_load()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp, ("quote.csv", "customer_id,first_name,street\n1,Ada,\"1 Main St\"\n2,Grace,\"2 Elm St\n3,Alan,3 Oak St\n"));

        Assert.Equal(["1|Ada|1 Main St"], Db.Rows(ws, "SELECT customer_id, first_name, street FROM customer_raw"));
        var reject = Assert.Single(Db.Rows(ws, "SELECT line, field, reason, raw FROM load_rejects"));
        Assert.StartsWith("3|(row)|unclosed quote", reject, StringComparison.Ordinal);
        Assert.Contains("2,Grace,\"2 Elm St\n3,Alan,3 Oak St", reject, StringComparison.Ordinal);
        Assert.Equal(["PARTIALLY_LOADED|1|1"], Db.Rows(ws, "SELECT status, rows_loaded, rows_rejected FROM load_history"));
    }

    [Fact]
    public async Task A_byte_order_mark_at_the_start_of_the_file_is_not_part_of_the_first_column_name()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp,
            ("bom_key_first.csv", "\uFEFFcustomer_id,first_name\n1,Ada\n"),
            ("bom_attribute_first.csv", "\uFEFFfirst_name,customer_id\nGrace,2\n"));
        var stored = File.ReadAllBytes(new FolderLake(ws.LakeRoot).PathOf(KeyOf(ws, "bom_key_first.csv")));
        Assert.Equal([0xEF, 0xBB, 0xBF, (byte)'c'], stored[..4]);

        Assert.Equal(["bom_attribute_first.csv|LOADED|1|∅", "bom_key_first.csv|LOADED|1|∅"],
            Db.Rows(ws, "SELECT file_name, status, rows_loaded, unknown_columns FROM load_history ORDER BY file_name"));
        Assert.Equal(["1|Ada", "2|Grace"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
    }

    [Fact]
    public async Task Crlf_and_lf_line_ends_mixed_in_one_file_load_without_stray_carriage_returns()
    {
        using var tmp = new TempWorkspace(Engine);
        var (ws, _) = await LoadAsync(tmp,
            ("mixed_ends.csv", "customer_id,first_name,country\r\n1,Ada,UK\n2,Grace,USA\r\n3,Alan,UK\n4,\"Edsger\r\nW.\",NL\r\n5,Barbara,USA"));

        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM load_rejects"));
        Assert.Equal(["2|1|Ada|UK", "3|2|Grace|USA", "4|3|Alan|UK", "5|4|Edsger\r\nW.|NL", "7|5|Barbara|USA"],
            Db.Rows(ws, "SELECT _line, customer_id, first_name, country FROM customer_raw ORDER BY customer_id"));
    }
}

/// <summary>Loading on the embedded warehouse.</summary>
public sealed class LoadStageTestsOnDuckDb : LoadStageTests
{
    protected override Engine Engine => Engine.DuckDb;
}

/// <summary>Loading on the server warehouse.</summary>
public sealed class LoadStageTestsOnPostgres : LoadStageTests
{
    protected override Engine Engine => Engine.Postgres;
}
