using System.Text;
using CustomerTrack.Configuration;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using DuckDB.NET.Data;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// Tables defined in settings (issue 11), one per format: <c>product</c> (CSV with ';' and no header, a composite key, a
/// mapped op), <c>account</c> (NDJSON), <c>legacy</c> (latin-1 CSV), <c>quoted</c> (CSV quoted with ') and
/// <c>reading</c> (Parquet, written by DuckDB in the test). Each format loads its good rows and rejects each bad one with
/// its file, line (or row number), field and reason; a file of another format is told so; landing/&lt;table&gt;/
/// routes; a re-run loads nothing twice. Each runs on both warehouse engines: the typed ledger and the rejects table are
/// the warehouse's contract.
/// </summary>
public abstract class FormatLoadTests
{
    /// <summary>The warehouse engine the files load into.</summary>
    protected abstract Engine Engine { get; }

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private static string Settings(string? defaultTable) => $$"""
        {
          "Tables": {
            "product": {
              "Format": "csv", "Delimiter": ";", "Header": false, {{Default("product", defaultTable)}}
              "Key": ["sku", "region"],
              "Columns": { "sku": "string", "region": "string", "name": "string", "price": "decimal(12,2)",
                           "launched": "date", "stock": "int64", "active": "bool" },
              "EventTime": "changed_at",
              "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE", "d": "DELETE" } },
              "Scd": { "TrackHistoryExcept": ["stock"] }
            },
            "account": {
              "Format": "ndjson", {{Default("account", defaultTable)}}
              "Key": ["id"],
              "Columns": { "id": "int64", "owner": "string", "balance": "decimal(12,2)", "opened": "date", "active": "bool",
                           "visits": "int32", "score": "double", "meta": "string" },
              "EventTime": "at"
            },
            "legacy": {
              "Format": "csv", "Encoding": "latin-1", {{Default("legacy", defaultTable)}}
              "Key": ["id"],
              "Columns": { "id": "int64", "name": "string" }
            },
            "quoted": {
              "Format": "csv", "Quote": "'", {{Default("quoted", defaultTable)}}
              "Key": ["id"],
              "Columns": { "id": "int64", "name": "string", "note": "string" }
            },
            "reading": {
              "Format": "parquet", {{Default("reading", defaultTable)}}
              "Key": ["device"],
              "Columns": { "device": "string", "level": "int32", "total": "int64", "ratio": "decimal(6,2)", "day": "date",
                           "ok": "bool", "taken": "timestamp" }
            }
          }
        }
        """;

    private static string Default(string table, string? defaultTable) => table == defaultTable ? "\"Default\": true," : "";

    private const string ProductLedger =
        "SELECT sku, region, name, price::VARCHAR, launched::VARCHAR, stock, active::VARCHAR, changed_at::VARCHAR, kind FROM product_raw ORDER BY _seq";

    private const string AccountLedger =
        "SELECT id, owner, balance::VARCHAR, opened::VARCHAR, active::VARCHAR, visits, score::VARCHAR, meta FROM account_raw ORDER BY _seq";

    private const string LegacyLedger = "SELECT id, name FROM legacy_raw ORDER BY _seq";

    private const string QuotedLedger = "SELECT id, name, note FROM quoted_raw ORDER BY _seq";

    private const string ReadingLedger =
        "SELECT device, level, total, ratio::VARCHAR, day::VARCHAR, ok::VARCHAR, taken::VARCHAR FROM reading_raw ORDER BY _seq";

    /// <summary>A file for one table: its bytes, the rows it must load and the rejects it must give (line|field|reason start).</summary>
    public sealed record FormatCase(string Table, string Name, Func<string, byte[]> Write, string Ledger, string[] Loaded, string[] Rejects)
    {
        public override string ToString() => $"{Table}/{Name}";
    }

    private static Func<string, byte[]> Text(string text) => _ => Encoding.UTF8.GetBytes(text);

    /// <summary>A Parquet file written by DuckDB from <paramref name="select"/>, the way another tool would write one.</summary>
    private static Func<string, byte[]> Parquet(string select) => dir =>
    {
        var path = Path.Combine(dir, "written-" + Guid.NewGuid().ToString("N")[..8] + ".parquet");
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"COPY ({select}) TO '{path}' (FORMAT parquet)";
            cmd.ExecuteNonQuery();
        }

        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    };

    public static TheoryData<string> Cases() => [.. AllCases.Keys];

    private static readonly Dictionary<string, FormatCase> AllCases = new FormatCase[]
    {
        new("product", "good-and-bad.csv", Text("""
            A-1;EU;Lamp;12.50;2026-01-02;5;true;2026-01-01T10:00:00Z;c
            A-1;US; Lamp ;12.5;2026-01-02;-7;F;2026-01-01 10:00:00;U
            A-2;EU;;;;;;2026-01-01T10:00:00Z;d
            A-3;EU;Desk;12.345;2026-01-02;5;true;2026-01-01T10:00:00Z;c
            A-4;EU;Desk;12345678901.00;2026-01-02;5;true;2026-01-01T10:00:00Z;c
            A-5;EU;Desk;1.00;2026-02-30;5;true;2026-01-01T10:00:00Z;c
            A-6;EU;Desk;1.00;2026-01-02;5;maybe;2026-01-01T10:00:00Z;c
            A-7;EU;Desk;1.00;2026-01-02;9223372036854775808;true;2026-01-01T10:00:00Z;c
            A-8;;Desk;1.00;2026-01-02;5;true;2026-01-01T10:00:00Z;c
            A-9;EU;Desk;1.00;2026-01-02;5;true;2026-01-01T10:00:00Z;x
            A-10;EU;Desk;1.00;2026-01-02;5;true;yesterday;c
            A-11;EU;Desk;1.00;2026-01-02;5;true
            A-12;EU;"Desk; oak";1.00;2026-01-02;5;true;2026-01-01T10:00:00Z;u
            """), ProductLedger,
            [
                "A-1|EU|Lamp|12.50|2026-01-02|5|true|2026-01-01 10:00:00|INSERT",
                "A-1|US| Lamp |12.50|2026-01-02|-7|false|2026-01-01 10:00:00|UPDATE",
                "A-2|EU|∅|∅|∅|∅|∅|2026-01-01 10:00:00|DELETE",
                "A-12|EU|Desk; oak|1.00|2026-01-02|5|true|2026-01-01 10:00:00|UPDATE",
            ],
            [
                "4|price|'12.345' has more than 2 decimal places (decimal(12,2))",
                "5|price|'12345678901.00' does not fit decimal(12,2)",
                "6|launched|'2026-02-30' is not a date",
                "7|active|'maybe' is not a boolean",
                "8|stock|'9223372036854775808' is not a 64-bit integer",
                "9|region|is empty; every row needs a region",
                "10|kind|'x' is not one of",
                "11|changed_at|'yesterday' is not an ISO 8601 timestamp",
                "12|",
            ]),
        new("account", "good-and-bad.ndjson", Text("""
            {"id": 1, "owner": "Ann", "balance": 10.25, "opened": "2026-01-02", "active": true, "visits": 3, "score": 0.5, "meta": {"tier": "gold"}, "at": "2026-01-01T10:00:00Z"}
            {"ID": "2", "Owner": "Bob", "balance": "7", "active": "false", "visits": null, "score": 2.5e0, "meta": [1, 2], "extra": 1}

            {"id": 3, "balance": 1.005}
            {"id": 4, "visits": 2147483648}
            {"id": 5, "active": 2}
            {"id": 6, "opened": "02/01/2026"}
            {"owner": "nobody"}
            {"id": null, "owner": "nobody"}
            {"id": 9, "visits": {"n": 1}}
            {"id": 10, "at": 1767261600}
            [1, 2]
            {"id": 12,
            {"id": 13, "id": 14}
            {"id": 15, "balance": 12345678901}
            """), AccountLedger,
            [
                "1|Ann|10.25|2026-01-02|true|3|0.5|{\"tier\": \"gold\"}",
                "2|Bob|7.00|∅|false|∅|2.5|[1, 2]",
            ],
            [
                "4|balance|'1.005' has more than 2 decimal places (decimal(12,2))",
                "5|visits|'2147483648' is not a 32-bit integer",
                "6|active|'2' is not a boolean",
                "7|opened|'02/01/2026' is not a date",
                "8|id|is empty; every row needs a id",
                "9|id|is empty; every row needs a id",
                "10|visits|is a JSON object, not a int32",
                "11|at|is a JSON number; the event time is an ISO 8601 string",
                "12|(row)|is a JSON array, not an object",
                "13|(row)|is not JSON",
                "14|id|the object names 'id' twice",
                "15|balance|'12345678901' does not fit decimal(12,2)",
            ]),
        // A U+FFFD written as UTF-8 (or as a JSON escape) is a character; bytes that are not UTF-8 reject their line.
        new("account", "unicode.ndjson", _ => [.. Encoding.UTF8.GetBytes("{\"id\": 1, \"owner\": \"Ann\uFFFD\"}\n{\"id\": 2, \"owner\": \"Z"), 0xFC,
                .. Encoding.UTF8.GetBytes("rich\"}\n{\"id\": 3, \"owner\": \"\\ufffd\"}\n")], AccountLedger,
            ["1|Ann\uFFFD|∅|∅|∅|∅|∅|∅", "3|\uFFFD|∅|∅|∅|∅|∅|∅"],
            ["2|(row)|is not valid UTF-8"]),
        // What a COPY text stream gives a meaning to (PostgreSQL stages rows that way) is data: backslashes, \N, tabs,
        // line breaks; and a double keeps every digit.
        new("account", "copy-escapes.ndjson", Text("""
            {"id": 1, "owner": "back\\slash", "meta": "tab\there", "score": 0.30000000000000004}
            {"id": 2, "owner": "\\N", "meta": "cr\rlf\nend"}
            {"id": 3, "owner": "\\\\N\\t"}
            """), AccountLedger,
            [
                "1|back\\slash|∅|∅|∅|∅|0.30000000000000004|tab\there",
                "2|\\N|∅|∅|∅|∅|∅|cr\rlf\nend",
                "3|\\\\N\\t|∅|∅|∅|∅|∅|∅",
            ],
            []),
        // Latin-1: every byte is a character (no byte is invalid), and the quote rule is the same as in UTF-8 files.
        new("legacy", "latin1.csv", _ => [.. "id,name\n1,Z"u8, 0xFC, .. "rich\n2,caf"u8, 0xE9, .. " 12\" \"x\"\n3,\"a, "u8, 0xFF, .. "\"\n"u8], LegacyLedger,
            ["1|Zürich", "2|café 12\" \"x\"", "3|a, ÿ"], []),
        // Quote ' : the same rule as the double quote (README "How a CSV file is read"), and " is data.
        new("quoted", "single-quote.csv", Text("""
            id,name,note
            1,'Smith, Ann',plain
            2,'O''Brien','a ''b'' c'
            3,12' Main St,it's
            4, 'padded' ,"double"
            5,'closed' trailing,z
            6,'two
            lines',x
            """), QuotedLedger,
            ["1|Smith, Ann|plain", "2|O'Brien|a 'b' c", "3|12' Main St|it's", "4|padded|\"double\"", "6|two\nlines|x"],
            ["6|(row)|text after the closing quote of field 2"]),
        new("reading", "native-types.parquet", Parquet("""
            SELECT * FROM (VALUES
                ('d1', 7::INTEGER, 70::BIGINT, 1.25::DECIMAL(6,2), DATE '2026-01-02', true, TIMESTAMP '2026-01-01 10:00:00.123456'),
                ('d2', NULL, NULL, NULL, NULL, NULL, NULL)
            ) t(device, level, total, ratio, day, ok, taken)
            """), ReadingLedger,
            [
                "d1|7|70|1.25|2026-01-02|true|2026-01-01 10:00:00.123456",
                "d2|∅|∅|∅|∅|∅|∅",
            ],
            []),
        new("reading", "other-types.parquet", Parquet("""
            SELECT * FROM (VALUES
                (1, '7', 70::INTEGER, 1.5::DOUBLE, '2026-01-02', 'true', '2026-01-01T10:00:00Z', 'x'),
                (2, '3000000000', 70, 1.5, '2026-01-02', 'true', NULL, 'y'),
                (3, '1', 70, 1.255, '2026-01-02', 'true', NULL, 'z'),
                (4, '1', 70, 12345.0, '2026-01-02', 'true', NULL, 'w'),
                (5, '1', 70, 1.5, '2026-13-02', 'true', NULL, 'v'),
                (6, '1', 70, 1.5, '2026-01-02', 'sometimes', NULL, 'u'),
                (NULL, '1', 70, 1.5, '2026-01-02', 'true', NULL, 't'),
                (8, '1', 70, 1.5, '2026-01-02', 'true', 'noon', 's')
            ) t(DEVICE, level, total, ratio, day, ok, taken, unknown)
            """), ReadingLedger,
            [
                "1|7|70|1.50|2026-01-02|true|2026-01-01 10:00:00",
            ],
            [
                "2|level|'3000000000' is not a 32-bit integer",
                "3|ratio|'1.255' has more than 2 decimal places (decimal(6,2))",
                "4|ratio|'12345' does not fit decimal(6,2)",
                "5|day|'2026-13-02' is not a date",
                "6|ok|'sometimes' is not a boolean",
                "7|device|is empty; every row needs a device",
                "8|taken|'noon' is not an ISO 8601 timestamp",
            ]),
    }.ToDictionary(c => c.ToString());

    private static void LandBytes(TempWorkspace tmp, string folder, string name, byte[] bytes)
    {
        var dir = folder.Length == 0 ? tmp.Landing : Path.Combine(tmp.Landing, folder);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);

        // Older than ingest's minimum age on the test clock.
        File.SetLastWriteTimeUtc(path, Now.AddSeconds(-5));
    }

    private static Workspace Open(TempWorkspace tmp, string? defaultTable = null)
    {
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings(defaultTable));
        return tmp.Open();
    }

    private static async Task DrainAsync(Workspace ws) =>
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);

    /// <summary>Rows in = loaded + rejected for every file, the ledgers and rejects agree with load_history, each reject names line, field and reason.</summary>
    private static void AssertAccounted(Workspace ws)
    {
        foreach (var table in new[] { "product", "account", "legacy", "quoted", "reading" })
        {
            Assert.Empty(Db.Rows(ws, $"""
                SELECT l.file_key FROM load_history l
                WHERE l.table_name = '{table}' AND (l.rows_in_file <> l.rows_loaded + l.rows_rejected
                   OR l.rows_loaded <> (SELECT count(*) FROM {table}_raw r WHERE r._file = l.file_key)
                   OR l.rows_rejected <> (SELECT count(*) FROM load_rejects j WHERE j.file_key = l.file_key))
                """));
        }

        Assert.Equal(0, Db.Count(ws, """
            SELECT count(*) FROM load_rejects j
            WHERE j.file_key NOT IN (SELECT file_key FROM load_history) OR j.line < 1
               OR coalesce(trim(j.field), '') = '' OR coalesce(trim(j.reason), '') = ''
               OR j.table_name IS NULL OR j.raw IS NULL
            """));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_format_loads_its_good_rows_and_rejects_each_bad_one_with_file_line_field_and_reason(string name)
    {
        var c = AllCases[name];
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        LandBytes(tmp, c.Table, c.Name, c.Write(tmp.Dir));
        await DrainAsync(ws);

        var status = c.Rejects.Length == 0 ? "LOADED" : c.Loaded.Length == 0 ? "LOAD_FAILED" : "PARTIALLY_LOADED";
        Assert.Equal([$"{c.Table}|{c.Name}|{status}|{c.Loaded.Length + c.Rejects.Length}|{c.Loaded.Length}|{c.Rejects.Length}|∅"],
            Db.Rows(ws, "SELECT table_name, file_name, status, rows_in_file, rows_loaded, rows_rejected, error FROM load_history"));
        Assert.Equal(c.Loaded, Db.Rows(ws, c.Ledger));

        var key = Assert.Single(Db.Rows(ws, "SELECT file_key FROM load_history"));
        Assert.Contains($"/{c.Table}/", key, StringComparison.Ordinal);
        var rejects = Db.Rows(ws, "SELECT file_key, table_name, line, field, reason FROM load_rejects ORDER BY line");
        Assert.Equal(c.Rejects.Length, rejects.Count);
        foreach (var (expected, actual) in c.Rejects.Zip(rejects))
        {
            Assert.StartsWith($"{key}|{c.Table}|{expected}", actual, StringComparison.Ordinal);
        }

        AssertAccounted(ws);
    }

    public static TheoryData<string, string, string> WrongFormats() => new()
    {
        { "product", """{"sku": "A-1", "region": "EU"}""", "table product takes CSV files, but this one is JSON (it starts with '{')" },
        { "product", "PAR1\u0001\u0002", "table product takes CSV files, but this one is Parquet (it starts with PAR1)" },
        { "account", "id,owner\n1,Ann\n", "table account takes NDJSON (one JSON object a line) files, but this one is text, not JSON or Parquet" },
        { "account", """[{"id": 1}]""", "table account takes NDJSON (one JSON object a line) files, but this one is a JSON array" },
        { "reading", """{"device": "d1"}""", "table reading takes Parquet files, but this one is JSON (it starts with '{')" },
        { "reading", "device\nd1\n", "table reading takes Parquet files, but this one is text, not JSON or Parquet" },
    };

    [Theory]
    [MemberData(nameof(WrongFormats))]
    public async Task A_file_of_another_format_than_its_table_takes_fails_saying_what_was_expected_and_what_was_found(string table, string content, string error)
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        LandBytes(tmp, table, "wrong.csv", Encoding.UTF8.GetBytes(content));
        await DrainAsync(ws);

        var row = Assert.Single(Db.Rows(ws, "SELECT table_name, status, rows_loaded, error FROM load_history"));
        Assert.StartsWith($"{table}|LOAD_FAILED|0|{error}", row, StringComparison.Ordinal);
        Assert.DoesNotContain("header", row, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, Db.Count(ws, $"SELECT count(*) FROM {table}_raw"));
    }

    [Fact]
    public async Task A_parquet_file_without_a_key_column_fails_naming_the_column()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        LandBytes(tmp, "reading", "nokey.parquet", Parquet("SELECT 1 AS level, 'x' AS name")(tmp.Dir));
        await DrainAsync(ws);

        Assert.Equal(["LOAD_FAILED|0|the file has no device column (its columns: level, name)"],
            Db.Rows(ws, "SELECT status, rows_loaded, error FROM load_history"));
    }

    public static TheoryData<string?, string, string> Routes() => new()
    {
        // Default table, the folder the file is in (empty: landing/ itself), and what load_history says.
        { null, "", "|LOAD_FAILED|0|unrouted: the file was landed directly in landing/ and no table is marked Default" },
        { "product", "", "product|LOADED|1|∅" },
        { null, "product", "product|LOADED|1|∅" },
        { "account", "product", "product|LOADED|1|∅" },
        { null, "customer", "customer|LOAD_FAILED|0|unrouted: no table 'customer' is defined (landing/customer/)" },
        { "product", "nosuchtable", "nosuchtable|LOAD_FAILED|0|unrouted: no table 'nosuchtable' is defined (landing/nosuchtable/)" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_file_in_landing_table_goes_to_that_table_and_one_directly_in_landing_to_the_default_or_is_recorded_unrouted(
        string? defaultTable, string folder, string expected)
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp, defaultTable);
        LandBytes(tmp, folder, "p.txt", Encoding.UTF8.GetBytes("A-1;EU;Lamp;12.50;2026-01-02;5;true;2026-01-01T10:00:00Z;c\n"));
        await DrainAsync(ws);

        var row = Assert.Single(Db.Rows(ws, "SELECT coalesce(table_name, ''), status, rows_loaded, error FROM load_history"));
        Assert.StartsWith(expected, row, StringComparison.Ordinal);
        Assert.Equal(expected.Contains("|LOADED|", StringComparison.Ordinal) ? 1 : 0, Db.Count(ws, "SELECT count(*) FROM product_raw"));

        // Nothing is left behind in landing/: the file is in the lake, recorded, whatever its route.
        Assert.Empty(Directory.EnumerateFiles(tmp.Landing, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Every_format_loads_exactly_once_and_a_rerun_loads_nothing_twice()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        var files = AllCases.Values.Select(c => (c, Bytes: c.Write(tmp.Dir))).ToList();
        foreach (var (c, bytes) in files)
        {
            LandBytes(tmp, c.Table, c.Name, bytes);
        }

        await DrainAsync(ws);
        var history = Db.Rows(ws, "SELECT table_name, file_name, status, rows_loaded, rows_rejected FROM load_history ORDER BY file_key");
        var ledgers = AllCases.Values.Select(c => c.Ledger).Distinct().SelectMany(sql => Db.Rows(ws, sql)).ToList();
        var rejects = Db.Count(ws, "SELECT count(*) FROM load_rejects");
        Assert.Equal(AllCases.Count, history.Count);
        Assert.Equal(AllCases.Values.Sum(c => c.Loaded.Length), ledgers.Count);

        // A second run, and the same files landed again under the same names: nothing new in any ledger.
        await DrainAsync(ws);
        foreach (var (c, bytes) in files)
        {
            LandBytes(tmp, c.Table, c.Name, bytes);
        }

        await DrainAsync(ws);
        Assert.Equal(ledgers, AllCases.Values.Select(c => c.Ledger).Distinct().SelectMany(sql => Db.Rows(ws, sql)).ToList());
        Assert.Equal(rejects, Db.Count(ws, "SELECT count(*) FROM load_rejects"));
        AssertAccounted(ws);
    }
}

public sealed class FormatLoadTestsOnDuckDb : FormatLoadTests
{
    protected override Engine Engine => Engine.DuckDb;
}

public sealed class FormatLoadTestsOnPostgres : FormatLoadTests
{
    protected override Engine Engine => Engine.Postgres;
}
