using System.Text;
using CustomerTrack.Contract;
using CustomerTrack.Lake;
using CustomerTrack.Load;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Ingest;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// The classes of bad input (issue "Nothing lost, nothing twice", item 3) that <see cref="LoadStageTests"/> and
/// <see cref="IngestStageTests"/> do not already cover. Every file must end with each row loaded or rejected with its
/// file, line, field and reason, and nothing may crash. Each runs on both warehouse engines: what lands in the ledger
/// and the rejects table is the warehouse's contract.
/// </summary>
public abstract class BadInputTests
{
    /// <summary>The warehouse engine the files load into.</summary>
    protected abstract Engine Engine { get; }

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes raw bytes into landing/, old enough for ingest at once.</summary>
    private static void LandBytes(TempWorkspace tmp, string name, byte[] bytes)
    {
        Directory.CreateDirectory(tmp.Landing);
        var path = Path.Combine(tmp.Landing, name);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-5));
    }

    private static byte[] Bytes(params object[] parts)
    {
        var all = new List<byte>();
        foreach (var part in parts)
        {
            all.AddRange(part switch
            {
                string s => Utf8.GetBytes(s),
                byte[] b => b,
                _ => throw new ArgumentException($"not text or bytes: {part}"),
            });
        }

        return [.. all];
    }

    /// <summary>Runs ingest and load once over what is in landing/.</summary>
    private static async Task<Workspace> DrainAsync(TempWorkspace tmp, Dictionary<string, string?>? flags = null)
    {
        var ws = tmp.Open(flags);
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);
        return ws;
    }

    private static async Task<Workspace> LoadAsync(TempWorkspace tmp, string name, string content, Dictionary<string, string?>? flags = null)
    {
        tmp.Land(name, content);
        return await DrainAsync(tmp, flags);
    }

    private static string KeyOf(Workspace ws, string fileName) =>
        Assert.Single(Db.Rows(ws, $"SELECT file_key FROM load_history WHERE file_name = '{fileName}'"));

    /// <summary>
    /// Input rows = loaded + rejected, for every file: the load history adds up, the ledger holds the loaded rows and
    /// the rejects table the rejected ones, each naming its file, line and field with a reason.
    /// </summary>
    private static void AssertAccounted(Workspace ws)
    {
        Assert.Empty(Db.Rows(ws, """
            SELECT l.file_key FROM load_history l
            WHERE l.rows_in_file <> l.rows_loaded + l.rows_rejected
               OR l.rows_loaded <> (SELECT count(*) FROM customer_raw r WHERE r._file = l.file_key)
               OR l.rows_rejected <> (SELECT count(*) FROM load_rejects j WHERE j.file_key = l.file_key)
            """));
        Assert.Equal(0, Db.Count(ws, """
            SELECT count(*) FROM load_rejects j
            WHERE j.file_key NOT IN (SELECT file_key FROM load_history) OR j.line < 1
               OR coalesce(trim(j.field), '') = '' OR coalesce(trim(j.reason), '') = ''
            """));
    }

    [Fact]
    public async Task Invalid_utf8_rejects_the_row_naming_the_field()
    {
        using var tmp = new TempWorkspace(Engine);
        LandBytes(tmp, "latin1.csv", Bytes(
            "customer_id,first_name,last_name,city\n",
            "1,Zoë,Brontë,Zürich\n",
            "2,Hans,M", new byte[] { 0xFC }, "ller,Bern\n", // Latin-1 ü
            "3,", new byte[] { 0xE2, 0x82 }, ",Lee,Oslo\n", // a three-byte sequence cut short
            "4,Ann,Lee,", new byte[] { 0xC0, 0xAF }, "\n", // an overlong encoding of '/'
            "5", new byte[] { 0xFF }, ",Bob,Ray,Rome\n", // in the key itself
            "6,Eve,", new byte[] { 0xED, 0xA0, 0x80 }, ",Nice\n", // an encoded surrogate
            "7,Ida,Wells,Paris\n"));
        var ws = await DrainAsync(tmp);
        var key = KeyOf(ws, "latin1.csv");

        Assert.Equal(["PARTIALLY_LOADED|7|2|5"], Db.Rows(ws, "SELECT status, rows_in_file, rows_loaded, rows_rejected FROM load_history"));
        Assert.Equal(["1|Zoë|Brontë|Zürich", "7|Ida|Wells|Paris"],
            Db.Rows(ws, "SELECT customer_id, first_name, last_name, city FROM customer_raw ORDER BY customer_id"));
        Assert.Equal(
            [
                $"{key}|3|last_name|is not valid UTF-8",
                $"{key}|4|first_name|is not valid UTF-8",
                $"{key}|5|city|is not valid UTF-8",
                $"{key}|6|customer_id|is not valid UTF-8",
                $"{key}|7|last_name|is not valid UTF-8",
            ],
            Db.Rows(ws, "SELECT file_key, line, field, reason FROM load_rejects ORDER BY line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_key_past_the_64_bit_range_is_rejected_and_the_extremes_load()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = await LoadAsync(tmp, "keys.csv", """
            customer_id,first_name
            9223372036854775807,Max
            9223372036854775808,Over
            -9223372036854775808,Min
            -9223372036854775809,Under
            123456789012345678901234567890,Huge
            1.0,Decimal
            1e3,Exponent
            0x1F,Hex
            ١٢,ArabicIndic
            +45,Plus

            """);

        Assert.Equal(["-9223372036854775808|Min", "45|Plus", "9223372036854775807|Max"],
            Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
        Assert.Equal(
            [
                "3|customer_id|'9223372036854775808' is not a 64-bit integer",
                "5|customer_id|'-9223372036854775809' is not a 64-bit integer",
                "6|customer_id|'123456789012345678901234567890' is not a 64-bit integer",
                "7|customer_id|'1.0' is not a 64-bit integer",
                "8|customer_id|'1e3' is not a 64-bit integer",
                "9|customer_id|'0x1F' is not a 64-bit integer",
                "10|customer_id|'١٢' is not a 64-bit integer",
            ],
            Db.Rows(ws, "SELECT line, field, reason FROM load_rejects ORDER BY line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_key_with_spaces_around_it_loads_trimmed_and_a_blank_or_split_key_is_rejected()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = await LoadAsync(tmp, "spaces.csv", "customer_id,first_name\n 42 ,Padded\n\t43\t,Tabbed\n\" 44\",Quoted\n   ,Blank\n4 5,Split\n,Empty\n");

        Assert.Equal(["42|Padded", "43|Tabbed", "44|Quoted"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
        Assert.Equal(
            [
                "5|customer_id|is empty; every row needs a customer_id",
                "6|customer_id|'4 5' is not a 64-bit integer",
                "7|customer_id|is empty; every row needs a customer_id",
            ],
            Db.Rows(ws, "SELECT line, field, reason FROM load_rejects ORDER BY line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task Malformed_timestamps_are_rejected_naming_updated_at_and_an_empty_one_means_load_time()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = await LoadAsync(tmp, "times.csv", """
            customer_id,updated_at
            1,2026-02-30T10:00:00Z
            2,2026-11-27T25:00:00Z
            3,2026-11-27T10:00:00+25:00
            4,2026-11-27T10:00:00 PST
            5,1795774500
            6,yesterday
            7,2026/11/27 10:00:00
            8,0001-01-01T00:00:00+01:00
            9,
            10,2026-11-27T10:00:00Z

            """);

        const string Iso = "is not an ISO 8601 timestamp (like 2026-11-27T10:15:00Z)";
        Assert.Equal(
            [
                $"2|updated_at|'2026-02-30T10:00:00Z' {Iso}",
                $"3|updated_at|'2026-11-27T25:00:00Z' {Iso}",
                $"4|updated_at|'2026-11-27T10:00:00+25:00' {Iso}",
                $"5|updated_at|'2026-11-27T10:00:00 PST' {Iso}",
                $"6|updated_at|'1795774500' {Iso}",
                $"7|updated_at|'yesterday' {Iso}",
                $"8|updated_at|'2026/11/27 10:00:00' {Iso}",
                "9|updated_at|'0001-01-01T00:00:00+01:00' is before 0001-01-01 00:00:00 UTC, the earliest event time",
            ],
            Db.Rows(ws, "SELECT line, field, reason FROM load_rejects ORDER BY line"));
        Assert.Equal(["9|2031-02-03 12:00:00.00001|false", "10|2026-11-27 10:00:00|true"],
            Db.Rows(ws, "SELECT customer_id, updated_at, _event_time_given FROM customer_raw ORDER BY customer_id"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_field_over_the_byte_limit_rejects_the_row_naming_the_field_and_one_at_the_limit_loads()
    {
        using var tmp = new TempWorkspace(Engine);
        const int Limit = 1 << 20;
        var atLimit = new string('a', Limit);
        var overLimit = new string('b', Limit + 1);
        var ws = await LoadAsync(tmp, "big.csv", $"customer_id,first_name,street\n1,Ada,{atLimit}\n2,Bob,{overLimit}\n3,Cy,\"{overLimit}\"\n4,Di,short\n");

        Assert.Equal([$"1|{Limit}", "4|5"], Db.Rows(ws, "SELECT customer_id, length(street) FROM customer_raw ORDER BY customer_id"));
        Assert.Equal(
            [
                $"3|street|is {Limit + 1} bytes; a field may hold at most {Limit} (Load:MaxFieldBytes)",
                $"4|street|is {Limit + 1} bytes; a field may hold at most {Limit} (Load:MaxFieldBytes)",
            ],
            Db.Rows(ws, "SELECT line, field, reason FROM load_rejects ORDER BY line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task The_field_limit_counts_utf8_bytes_not_characters()
    {
        using var tmp = new TempWorkspace(Engine);
        var flags = new Dictionary<string, string?> { ["Load:MaxFieldBytes"] = "12" };

        // Six two-byte letters fill twelve bytes; seven overflow them though they are only seven characters.
        var ws = await LoadAsync(tmp, "bytes.csv", "customer_id,last_name\n1,éééééé\n2,ééééééé\n3,abcdefghijkl\n4,abcdefghijklm\n", flags);

        Assert.Equal(["1|éééééé", "3|abcdefghijkl"], Db.Rows(ws, "SELECT customer_id, last_name FROM customer_raw ORDER BY customer_id"));
        Assert.Equal(
            [
                "3|last_name|is 14 bytes; a field may hold at most 12 (Load:MaxFieldBytes)",
                "5|last_name|is 13 bytes; a field may hold at most 12 (Load:MaxFieldBytes)",
            ],
            Db.Rows(ws, "SELECT line, field, reason FROM load_rejects ORDER BY line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_very_long_line_loads_when_every_field_is_within_the_limit()
    {
        using var tmp = new TempWorkspace(Engine);
        const int Each = 900_000;
        var fields = Columns.Attributes.Select((c, i) => new string((char)('a' + i), Each)).ToArray();
        var line = "1," + string.Join(",", fields);
        Assert.True(line.Length > 5_000_000);
        var ws = await LoadAsync(tmp, "long.csv", $"customer_id,{string.Join(",", Columns.Attributes)}\n{line}\n2,,,,,,,\n");

        Assert.Equal(["LOADED|2|2|0"], Db.Rows(ws, "SELECT status, rows_in_file, rows_loaded, rows_rejected FROM load_history"));
        Assert.Equal([$"1|{Each}|{Each}|{Each}|{Each}|{Each}|{Each}|{Each}", "2|∅|∅|∅|∅|∅|∅|∅"],
            Db.Rows(ws, """
                SELECT customer_id, length(first_name), length(last_name), length(email), length(street), length(city), length(state), length(country)
                FROM customer_raw ORDER BY customer_id
                """));
        Assert.Equal(Each, Db.Count(ws, "SELECT length(country) - length(replace(country, 'g', '')) FROM customer_raw WHERE customer_id = 1"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_line_of_a_hundred_thousand_fields_is_rejected_for_its_field_count()
    {
        using var tmp = new TempWorkspace(Engine);
        var wide = "3," + string.Join(",", Enumerable.Repeat("x", 100_000));
        var ws = await LoadAsync(tmp, "wide.csv", $"customer_id,first_name\n1,Ada\n{wide}\n2,Bob\n");

        Assert.Equal(["1|Ada", "2|Bob"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
        Assert.Equal(["3|(row)|has 100001 fields, the header has 2"], Db.Rows(ws, "SELECT line, field, reason FROM load_rejects"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_nul_byte_rejects_the_row_naming_the_field()
    {
        using var tmp = new TempWorkspace(Engine);
        LandBytes(tmp, "nul.csv", Bytes(
            "customer_id,first_name,email\n",
            "1,Ada,ada@example.com\n",
            "2,Gr", new byte[] { 0 }, "ace,grace@example.com\n",
            "3,Alan,alan@example.com", new byte[] { 0 }, "\n",
            "4", new byte[] { 0 }, ",Bob,bob@example.com\n",
            "5,\"Cy", new byte[] { 0 }, "\",cy@example.com\n",
            "6,Di,di@example.com\n"));
        LandBytes(tmp, "nul_header.csv", Bytes("customer_id,no", new byte[] { 0 }, "tes,first_name\n1,x,Ed\n2,", new byte[] { 0 }, ",Fay\n"));
        var ws = await DrainAsync(tmp);
        var key = KeyOf(ws, "nul.csv");

        Assert.Equal(["1|Ada", "6|Di"], Db.Rows(ws, $"SELECT customer_id, first_name FROM customer_raw WHERE _file = '{key}' ORDER BY customer_id"));
        Assert.Equal(
            [
                $"{key}|3|first_name|contains a NUL byte",
                $"{key}|4|email|contains a NUL byte",
                $"{key}|5|customer_id|contains a NUL byte",
                $"{key}|6|first_name|contains a NUL byte",
            ],
            Db.Rows(ws, $"SELECT file_key, line, field, reason FROM load_rejects WHERE file_key = '{key}' ORDER BY line"));

        // The raw text keeps all of the row: the NUL is shown as ␀ rather than cutting the text short.
        Assert.Equal("2,Gr␀ace,grace@example.com", Assert.Single(Db.Rows(ws, $"SELECT raw FROM load_rejects WHERE file_key = '{key}' AND line = 3")));

        // A NUL in a header name leaves an unknown column, shown whole, and names the field of the row it rejects.
        var header = KeyOf(ws, "nul_header.csv");
        Assert.Equal(["PARTIALLY_LOADED|1|1|no␀tes"], Db.Rows(ws, $"SELECT status, rows_loaded, rows_rejected, unknown_columns FROM load_history WHERE file_key = '{header}'"));
        Assert.Equal(["3|no␀tes|contains a NUL byte|2,␀,Fay"], Db.Rows(ws, $"SELECT line, field, reason, raw FROM load_rejects WHERE file_key = '{header}'"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task Blank_and_whitespace_only_lines_are_neither_rows_nor_rejects()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = await LoadAsync(tmp, "blanks.csv", "customer_id,first_name\n1,Ada\n\n   \n2,Grace\r\n\r\n\t\n3,Alan\n\n\n");

        Assert.Equal(["LOADED|3|3|0"], Db.Rows(ws, "SELECT status, rows_in_file, rows_loaded, rows_rejected FROM load_history"));
        Assert.Equal(["2|1|Ada", "5|2|Grace", "8|3|Alan"], Db.Rows(ws, "SELECT _line, customer_id, first_name FROM customer_raw ORDER BY _line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task Blank_lines_before_the_header_are_skipped_and_a_file_of_blank_lines_is_empty()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("late_header.csv", "\n  \ncustomer_id,first_name\n1,Ada\n");
        tmp.Land("only_blank.csv", "\n\n \r\n");
        var ws = await DrainAsync(tmp);

        Assert.Equal(
            [
                "late_header.csv|LOADED|1|1|0|∅",
                "only_blank.csv|LOAD_FAILED|0|0|0|the file is empty (no header row)",
            ],
            Db.Rows(ws, "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected, error FROM load_history ORDER BY file_name"));
        Assert.Equal(["4|1|Ada"], Db.Rows(ws, "SELECT _line, customer_id, first_name FROM customer_raw"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task Blank_lines_do_not_make_skip_file_or_abort_reject_a_clean_file()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("gappy.csv", "customer_id,first_name\n\n1,Ada\n\n2,Grace\n\n");
        var ws = await DrainAsync(tmp, new() { ["Load:OnError"] = "skip_file" });
        tmp.Land("gappy2.csv", "customer_id,first_name\n\n3,Alan\n\n");
        await DrainAsync(tmp, new() { ["Load:OnError"] = "abort" });

        Assert.Equal(["gappy.csv|LOADED|2", "gappy2.csv|LOADED|1"], Db.Rows(ws, "SELECT file_name, status, rows_loaded FROM load_history ORDER BY file_name"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_trailing_delimiter_on_header_and_rows_adds_an_unnamed_column_that_is_ignored()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = await LoadAsync(tmp, "trailing.csv", "customer_id,first_name,\n1,Ada,\n2,Grace,\n");

        Assert.Equal(["LOADED|2|0|∅"], Db.Rows(ws, "SELECT status, rows_loaded, rows_rejected, unknown_columns FROM load_history"));
        Assert.Equal(["1|Ada", "2|Grace"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw ORDER BY customer_id"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_trailing_delimiter_on_rows_but_not_the_header_is_a_wrong_field_count()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = await LoadAsync(tmp, "rows_trailing.csv", "customer_id,first_name\n1,Ada,\n2,Grace\n");

        Assert.Equal(["2|Grace"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer_raw"));
        Assert.Equal(["2|(row)|has 3 fields, the header has 2|1,Ada,"], Db.Rows(ws, "SELECT line, field, reason, raw FROM load_rejects"));
        AssertAccounted(ws);
    }

    /// <summary>
    /// One file for a class of input the CSV reader must split and decode right (issue 12, items 1, 3, 4 and 13): what
    /// load_history says of it (status|rows_in_file|rows_loaded|rows_rejected), the rows it loads (customer_id|
    /// first_name|street) and its rejects (line|field|reason start).
    /// </summary>
    public sealed record ReaderCase(string Name, byte[] Content, string History, string[] Loaded, string[] Rejects, string? MaxFieldBytes = null)
    {
        public override string ToString() => Name;
    }

    private const string Header = "customer_id,first_name,street\n";

    private static readonly Dictionary<string, ReaderCase> ReaderCases = new ReaderCase[]
    {
        // Item 1: a quote that does not open a field is data. Before, an even number of them joined the rows between.
        new("stray quotes, even, mid-field on two rows", Bytes(Header, "1,Ann,12\" Main St\n2,Eve,Oak 5\n3,Bob,Elm 3\" North\n4,Cy,Ash 1\n"),
            "LOADED|4|4|0", ["1|Ann|12\" Main St", "2|Eve|Oak 5", "3|Bob|Elm 3\" North", "4|Cy|Ash 1"], []),
        new("stray quotes, even, at line ends", Bytes(Header, "1,Ann,Main St\"\n2,Eve,Oak 5\n3,Bob,Elm 3\"\n"),
            "LOADED|3|3|0", ["1|Ann|Main St\"", "2|Eve|Oak 5", "3|Bob|Elm 3\""], []),
        new("stray quote, odd, mid-field", Bytes(Header, "1,Ann,O\"Brien St\n2,Eve,Oak 5\n"),
            "LOADED|2|2|0", ["1|Ann|O\"Brien St", "2|Eve|Oak 5"], []),
        new("stray quote, odd, at a line end", Bytes(Header, "1,Ann,Main St\"\r\n2,Eve,Oak 5\r\n"),
            "LOADED|2|2|0", ["1|Ann|Main St\"", "2|Eve|Oak 5"], []),
        new("stray quotes, doubled and tripled in one field", Bytes(Header, "1,Ann,a\"\"b\"\"\"c\n2,Eve,\"\"\"\"\n"),
            "LOADED|2|2|0", ["1|Ann|a\"\"b\"\"\"c", "2|Eve|\""], []),
        new("stray quote in the key", Bytes(Header, "4\"2,Ann,x\n5,Eve,y\n"),
            "PARTIALLY_LOADED|2|1|1", ["5|Eve|y"], ["2|customer_id|'4\"2' is not a 64-bit integer"]),
        new("a quoted field with spaces around its quotes", Bytes(Header, "1, \"Smith, Ann\" ,\"a \"\"b\"\"\"\n"),
            "LOADED|1|1|0", ["1|Smith, Ann|a \"b\""], []),
        new("an undoubled quote inside a quoted field", Bytes(Header, "1,Ann,\"12\" Main St\"\n2,Eve,Oak 5\n"),
            "PARTIALLY_LOADED|2|1|1", ["2|Eve|Oak 5"], ["2|(row)|text after the closing quote of field 3"]),

        // Item 3: header names are trimmed and unquoted like values, or the file is rejected whole.
        new("header names quoted after a space", Bytes("customer_id, \"first_name\",\"Street\" \n1,Ann,Main\n"),
            "LOADED|1|1|0", ["1|Ann|Main"], []),
        new("a broken quote in the header", Bytes("customer_id,\"first_name\"x,street\n1,Ann,Main\n2,Eve,Oak\n"),
            "LOAD_FAILED|2|0|2", [], ["2|(header)|the header row is broken: text after the closing quote", "3|(header)|the header row is broken"]),

        // Item 4, the header half: Load:MaxFieldBytes holds for header names, and a header has a size limit of its own.
        new("a header name over the field limit", Bytes("customer_id,first_name,", new string('n', 100), "\n1,Ann,x\n"),
            "LOAD_FAILED|1|0|1", [], ["2|(header)|header column 3 is 100 bytes; a name may hold at most 64 (Load:MaxFieldBytes)"], "64"),
        new("a header of a million columns", Bytes("customer_id,first_name,", string.Join(",", Enumerable.Range(0, 1_000_000).Select(i => $"c{i}")), "\n1,Ann\n"),
            "LOAD_FAILED|1|0|1", [], ["2|(header)|the header row holds more than 1048576 bytes, the most a header may hold"]),

        // Item 13: a U+FFFD written as UTF-8 is a character; bytes that are not UTF-8 still reject their row.
        new("a genuine U+FFFD beside invalid bytes", Bytes(Header, "1,Ann\uFFFD,Main \uFFFD St\n2,Eve,Z", new byte[] { 0xFC }, "rich\n3,\"\uFFFD\",x\n"),
            "PARTIALLY_LOADED|3|2|1", ["1|Ann\uFFFD|Main \uFFFD St", "3|\uFFFD|x"], ["3|street|is not valid UTF-8"]),
    }.ToDictionary(c => c.Name);

    public static TheoryData<string> ReaderCaseNames() => [.. ReaderCases.Keys];

    [Theory]
    [MemberData(nameof(ReaderCaseNames))]
    public async Task The_csv_reader_splits_and_decodes_each_class_of_input_and_every_row_is_accounted_for(string name)
    {
        var c = ReaderCases[name];
        using var tmp = new TempWorkspace(Engine);
        LandBytes(tmp, "case.csv", c.Content);
        var ws = await DrainAsync(tmp, c.MaxFieldBytes is { } max ? new() { ["Load:MaxFieldBytes"] = max } : null);

        Assert.Equal([c.History], Db.Rows(ws, "SELECT status, rows_in_file, rows_loaded, rows_rejected FROM load_history"));
        Assert.Equal(c.Loaded, Db.Rows(ws, "SELECT customer_id, first_name, street FROM customer_raw ORDER BY customer_id"));
        var rejects = Db.Rows(ws, "SELECT line, field, reason FROM load_rejects ORDER BY line");
        Assert.Equal(c.Rejects.Length, rejects.Count);
        foreach (var (expected, actual) in c.Rejects.Zip(rejects))
        {
            Assert.StartsWith(expected, actual, StringComparison.Ordinal);
        }

        AssertAccounted(ws);
    }

    [Fact]
    public async Task Files_named_with_spaces_non_ascii_letters_or_dots_are_ingested_and_loaded_under_safe_keys()
    {
        using var tmp = new TempWorkspace(Engine);
        string[] names = ["Kunden Müller 2026.csv", "客户 数据.csv", "a..b.csv", "report v2 (final).csv", "x..csv", "line\nbreak.csv"];
        for (var i = 0; i < names.Length; i++)
        {
            tmp.Land(names[i], $"customer_id,first_name\n{i + 1},N{i}\n");
        }

        var ws = await DrainAsync(tmp);

        Assert.Empty(Directory.GetFiles(tmp.Landing));
        var keys = Db.Rows(ws, "SELECT file_key FROM load_history ORDER BY file_key");
        Assert.Equal(names.Length, keys.Count);
        Assert.All(keys, k => Assert.True(LakeKey.IsSafe(k), k));
        Assert.Equal(
            ["Kunden-M-ller-2026.csv", "a..b.csv", "file.csv", "line-break.csv", "report-v2--final.csv", "x.csv"],
            Db.Rows(ws, "SELECT file_name FROM load_history ORDER BY file_name"));
        Assert.Equal(names.Length, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        var lakeRoot = Path.GetFullPath(ws.LakeRoot) + Path.DirectorySeparatorChar;
        Assert.All(new FolderLake(ws.LakeRoot).List(), e => Assert.StartsWith(lakeRoot, Path.GetFullPath(new FolderLake(ws.LakeRoot).PathOf(e.Key)), StringComparison.Ordinal));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task A_lake_object_that_vanishes_before_load_records_nothing_and_the_others_load()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("a_first.csv", "customer_id\n1\n");
        tmp.Land("b_gone.csv", "customer_id\n2\n");

        // Under the default policy files are committed in groups, each read before the group's one commit; skip_file
        // keeps one file per transaction, so a commit falls between listing the lake and reading the second file.
        var ws = tmp.Open(new Dictionary<string, string?> { ["Load:OnError"] = "skip_file" });
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest);
        var lake = new FolderLake(ws.LakeRoot);
        var gone = Assert.Single(lake.List(), e => e.Key.Contains("b_gone", StringComparison.Ordinal));

        using (var warehouse = Warehouses.Open(ws, readOnly: false))
        {
            // The first file's commit is the moment between the stage listing the lake and reaching the second file.
            warehouse.BeforeCommit = _ => File.Delete(lake.PathOf(gone.Key));
            var stage = new LoadStage(ws, lake, warehouse, new FakeTimeProvider(Now), NullLogger.Instance);
            Assert.Equal(1, stage.RunOnce(CancellationToken.None));

            // A vanished object between hashing and reading is not a crash either, and leaves no trace.
            var missing = new CustomerTrack.Warehouse.LakeFile("2031/02/03/missing_0000000000000000.csv",
                Path.Combine(tmp.Dir, "missing.csv"), "missing.csv", new string('0', 64), 10, Now, ws.Settings.DefaultTable, "customer");
            await Assert.ThrowsAsync<FileNotFoundException>(() => FileLoad.LoadAsync(warehouse, [missing], ws.Settings.Load, new FakeTimeProvider(Now)));
        }

        Assert.Equal(["a_first.csv|LOADED|1"], Db.Rows(ws, "SELECT file_name, status, rows_loaded FROM load_history"));
        Assert.Equal(["1"], Db.Rows(ws, "SELECT customer_id FROM customer_raw"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM load_rejects"));
    }

    [Fact]
    public async Task Skip_file_rejects_every_row_of_a_file_whose_header_has_no_customer_id()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("headless.csv", "1,Ada\n2,Grace\n3,Alan\n");
        tmp.Land("clean.csv", "customer_id,first_name\n4,Edsger\n");
        var ws = await DrainAsync(tmp, new() { ["Load:OnError"] = "skip_file" });

        Assert.Equal(
            [
                "clean.csv|LOADED|1|1|0",
                "headless.csv|LOAD_FAILED|2|0|2",
            ],
            Db.Rows(ws, "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected FROM load_history ORDER BY file_name"));
        Assert.Equal(["2|(header)", "3|(header)"],
            Db.Rows(ws, $"SELECT line, field FROM load_rejects WHERE file_key = '{KeyOf(ws, "headless.csv")}' ORDER BY line"));
        AssertAccounted(ws);
    }

    [Fact]
    public async Task Abort_stops_at_a_file_whose_header_has_no_customer_id_naming_its_first_row()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("headless.csv", "1,Ada\n2,Grace\n");
        var ws = tmp.Open(new Dictionary<string, string?> { ["Load:OnError"] = "abort" });

        var e = await Assert.ThrowsAsync<InputRejectedException>(() => Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load));

        Assert.Equal("headless.csv", LakeKey.Parse(e.File).FileName);
        Assert.Equal(2, e.Line);
        Assert.Equal("(header)", e.Field);
        Assert.Contains("no customer_id column", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM load_history"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
    }

    [Fact]
    public async Task Abort_names_the_field_of_a_nul_byte_or_invalid_utf8()
    {
        using var tmp = new TempWorkspace(Engine);
        LandBytes(tmp, "bad_bytes.csv", Bytes("customer_id,first_name,city\n1,Ada,Bern\n2,Hans,Z", new byte[] { 0xFC }, "rich\n3,Gr", new byte[] { 0 }, "ace,Oslo\n"));
        var ws = tmp.Open(new Dictionary<string, string?> { ["Load:OnError"] = "abort" });

        var e = await Assert.ThrowsAsync<InputRejectedException>(() => Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load));

        Assert.Equal((3L, "city"), (e.Line, e.Field));
        Assert.Contains("line 3, field city: is not valid UTF-8 (Load:OnError is abort", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
    }

    [Fact]
    public async Task Abort_lets_an_empty_or_header_only_file_through_as_there_is_no_row_to_reject()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("empty.csv", "");
        tmp.Land("header_only.csv", "customer_id\n");
        tmp.Land("z_good.csv", "customer_id\n1\n");
        var ws = await DrainAsync(tmp, new() { ["Load:OnError"] = "abort" });

        Assert.Equal(["empty.csv|LOAD_FAILED|0", "header_only.csv|LOADED|0", "z_good.csv|LOADED|1"],
            Db.Rows(ws, "SELECT file_name, status, rows_loaded FROM load_history ORDER BY file_name"));
        AssertAccounted(ws);
    }

    /// <summary>The requirement's classes of bad input, each with the test that covers it.</summary>
    private static readonly (string Class, string Test)[] Classes =
    [
        ("wrong column count", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.A_row_with_the_wrong_number_of_fields_is_rejected_and_its_neighbours_load)}"),
        ("unclosed quote", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.An_unclosed_quote_is_rejected_with_the_text_it_swallowed_and_the_rows_before_it_load)}"),
        ("stray quote in an unquoted field", nameof(The_csv_reader_splits_and_decodes_each_class_of_input_and_every_row_is_accounted_for)),
        ("invalid UTF-8", nameof(Invalid_utf8_rejects_the_row_naming_the_field)),
        ("BOM", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.A_byte_order_mark_at_the_start_of_the_file_is_not_part_of_the_first_column_name)}"),
        ("no header", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.A_header_without_customer_id_rejects_each_row_with_a_reason)}"),
        ("duplicate header", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.A_header_naming_a_column_twice_rejects_each_row_with_a_reason)}"),
        ("no customer_id column", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.A_header_without_customer_id_rejects_each_row_with_a_reason)}"),
        ("non-integer key", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Rows_that_break_the_contract_are_rejected_with_file_line_field_and_reason_and_the_rest_loads)}"),
        ("overflowing key", nameof(A_key_past_the_64_bit_range_is_rejected_and_the_extremes_load)),
        ("empty key, key with spaces", nameof(A_key_with_spaces_around_it_loads_trimmed_and_a_blank_or_split_key_is_rejected)),
        ("malformed timestamp", nameof(Malformed_timestamps_are_rejected_naming_updated_at_and_an_empty_one_means_load_time)),
        ("timestamp with an offset", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Timestamps_with_an_offset_are_converted_to_utc_and_those_without_are_taken_as_utc)}"),
        ("unknown op", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Rows_that_break_the_contract_are_rejected_with_file_line_field_and_reason_and_the_rest_loads)}"),
        ("empty file, header only", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.A_header_only_file_loads_zero_rows_and_an_empty_file_fails_with_a_reason)}"),
        ("field over 1 MB", nameof(A_field_over_the_byte_limit_rejects_the_row_naming_the_field_and_one_at_the_limit_loads)),
        ("field limit in bytes", nameof(The_field_limit_counts_utf8_bytes_not_characters)),
        ("very long line", nameof(A_very_long_line_loads_when_every_field_is_within_the_limit)),
        ("very many fields", nameof(A_line_of_a_hundred_thousand_fields_is_rejected_for_its_field_count)),
        ("NUL bytes", nameof(A_nul_byte_rejects_the_row_naming_the_field)),
        ("mixed CRLF/LF", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Crlf_and_lf_line_ends_mixed_in_one_file_load_without_stray_carriage_returns)}"),
        ("blank lines", nameof(Blank_and_whitespace_only_lines_are_neither_rows_nor_rejects)),
        ("blank lines before the header", nameof(Blank_lines_before_the_header_are_skipped_and_a_file_of_blank_lines_is_empty)),
        ("trailing delimiter", nameof(A_trailing_delimiter_on_header_and_rows_adds_an_unnamed_column_that_is_ignored)),
        ("trailing delimiter on rows only", nameof(A_trailing_delimiter_on_rows_but_not_the_header_is_a_wrong_field_count)),
        ("extra unknown columns", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Unknown_columns_are_ignored_and_listed_in_the_load_history)}"),
        ("file vanishing while being read (ingest)", $"{nameof(BadPickupTests)}.{nameof(BadPickupTests.A_file_that_vanishes_between_listing_and_copy_is_skipped_without_a_crash)}"),
        ("file vanishing before load (lake)", nameof(A_lake_object_that_vanishes_before_load_records_nothing_and_the_others_load)),
        ("file still being written", $"{nameof(BadPickupTests)}.{nameof(BadPickupTests.A_file_appended_to_while_it_ages_is_taken_only_once_it_has_been_still_for_the_minimum_age)}"),
        ("file appended to while a drain waits", $"{nameof(BadPickupTests)}.{nameof(BadPickupTests.A_drain_does_not_take_a_file_appended_to_while_it_waits_until_it_has_been_still_for_the_minimum_age)}"),
        ("names with spaces, non-ASCII letters or ..", nameof(Files_named_with_spaces_non_ascii_letters_or_dots_are_ingested_and_loaded_under_safe_keys)),
        ("symbolic link in landing/", $"{nameof(IngestStageTests)}.{nameof(IngestStageTests.A_symbolic_link_in_landing_is_ignored_and_never_followed)}"),
        ("links to folders, dangling links, links in the lake", $"{nameof(BadPickupTests)}.{nameof(BadPickupTests.Links_to_folders_dangling_links_and_links_planted_in_the_lake_are_never_followed)}"),
        ("temporary names (.tmp, .part, dot-files)", $"{nameof(IngestStageTests)}.{nameof(IngestStageTests.Dot_files_and_temporary_names_are_never_picked_up)}"),
        ("other writers' temporary names", $"{nameof(BadPickupTests)}.{nameof(BadPickupTests.The_temporary_names_of_other_common_writers_are_never_picked_up)}"),
        ("a named pipe in landing/", $"{nameof(BadPickupTests)}.{nameof(BadPickupTests.A_named_pipe_in_landing_is_never_opened_and_does_not_hang_the_pipeline)}"),
        ("a folder in landing/ (a table folder, or a partition folder of the default table, at any depth)", $"{nameof(BadPickupTests)}.{nameof(BadPickupTests.A_folder_in_landing_that_cannot_be_a_table_name_holds_default_table_files_at_any_depth)}"),
        ("OnError continue", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Rows_that_break_the_contract_are_rejected_with_file_line_field_and_reason_and_the_rest_loads)}"),
        ("OnError skip_file", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Skip_file_rejects_every_row_of_a_file_with_any_bad_row_and_still_loads_clean_files)}"),
        ("OnError skip_file, bad header", nameof(Skip_file_rejects_every_row_of_a_file_whose_header_has_no_customer_id)),
        ("OnError abort", $"{nameof(LoadStageTests)}.{nameof(LoadStageTests.Abort_makes_the_drain_throw_naming_file_line_and_field_and_loads_nothing_of_that_file)}"),
        ("OnError abort, bad header", nameof(Abort_stops_at_a_file_whose_header_has_no_customer_id_naming_its_first_row)),
        ("OnError abort, bad bytes", nameof(Abort_names_the_field_of_a_nul_byte_or_invalid_utf8)),
        ("OnError abort, empty file", nameof(Abort_lets_an_empty_or_header_only_file_through_as_there_is_no_row_to_reject)),
        ("OnError and blank lines", nameof(Blank_lines_do_not_make_skip_file_or_abort_reject_a_clean_file)),
        ("event times at or after the open end, or before 0001-01-01", nameof(A_row_of_a_second_round_bad_class_is_rejected_naming_its_field_and_reason)),
        ("header names quoted after a space, a broken header", nameof(The_csv_reader_splits_and_decodes_each_class_of_input_and_every_row_is_accounted_for)),
        ("header past the field limit or of a million columns", nameof(The_csv_reader_splits_and_decodes_each_class_of_input_and_every_row_is_accounted_for)),
        ("a genuine U+FFFD", nameof(The_csv_reader_splits_and_decodes_each_class_of_input_and_every_row_is_accounted_for)),
    ];

    /// <summary>
    /// The second round of bad values (issue 12): each row, between two good ones, is rejected naming its field and a
    /// reason that says what is allowed; the good rows load, and the file's accounting adds up.
    /// </summary>
    [Theory]
    [InlineData("1,Ann,9999-12-31T00:00:00Z", "updated_at", "is at or after 9999-12-31 00:00:00, the open end of history")]
    [InlineData("1,Ann,9999-12-31 23:59:59.999999", "updated_at", "is at or after 9999-12-31 00:00:00, the open end of history")]
    [InlineData("1,Ann,9999-12-30T23:00:00-02:00", "updated_at", "is at or after 9999-12-31 00:00:00, the open end of history")]
    [InlineData("1,Ann,0001-01-01T00:00:00+01:00", "updated_at", "is before 0001-01-01 00:00:00 UTC")]
    [InlineData("1,Ann,0000-06-01T00:00:00Z", "updated_at", "is before 0001-01-01 00:00:00 UTC")]
    [InlineData("1,Ann,-0001-06-01", "updated_at", "is before 0001-01-01 00:00:00 UTC")]
    public async Task A_row_of_a_second_round_bad_class_is_rejected_naming_its_field_and_reason(string row, string field, string reason)
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = await LoadAsync(tmp, "bad.csv", $"customer_id,first_name,updated_at\n7,Good,2026-01-01T00:00:00Z\n{row}\n8,Good,9999-12-30T23:59:59Z\n");
        Assert.Equal(["7", "8"], Db.Rows(ws, "SELECT customer_id FROM customer_raw ORDER BY 1"));
        var reject = Assert.Single(Db.Rows(ws, "SELECT line, field, reason FROM load_rejects"));
        Assert.StartsWith($"3|{field}|", reject, StringComparison.Ordinal);
        Assert.Contains(reason, reject, StringComparison.Ordinal);
        AssertAccounted(ws);
    }

    [Fact]
    public void Every_bad_input_class_is_accounted_for()
    {
        Type[] suites = [typeof(BadInputTests), typeof(LoadStageTests), typeof(IngestStageTests), typeof(BadPickupTests)];
        var tests = suites
            .SelectMany(t => t.GetMethods().Where(m => m.IsDefined(typeof(FactAttribute), inherit: true)).Select(m => (t.Name, m.Name)))
            .ToList();

        Assert.True(Classes.Length >= 25, $"only {Classes.Length} classes");
        Assert.Equal(Classes.Length, Classes.Select(c => c.Class).Distinct().Count());
        foreach (var (what, test) in Classes)
        {
            var parts = test.Split('.');
            var (suite, method) = parts.Length == 2 ? (parts[0], parts[1]) : (nameof(BadInputTests), parts[0]);
            Assert.True(tests.Contains((suite, method)), $"'{what}': no test {suite}.{method}");
        }
    }
}

/// <summary>Bad input on the embedded warehouse.</summary>
public sealed class BadInputTestsOnDuckDb : BadInputTests
{
    protected override Engine Engine => Engine.DuckDb;
}

/// <summary>Bad input on the server warehouse.</summary>
public sealed class BadInputTestsOnPostgres : BadInputTests
{
    protected override Engine Engine => Engine.Postgres;
}
