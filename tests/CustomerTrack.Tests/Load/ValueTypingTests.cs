using System.Text;
using CustomerTrack.Configuration;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using DuckDB.NET.Data;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// Values stored as their text says, or their row rejected (issue 23, "Values stored wrong, without a reject"), class by
/// class and format by format: a NUL in any string; Parquet's nested values (JSON text), TIME (its seconds), BLOB and
/// infinite timestamps (a row's reject); one column named twice (also differing only in case) in an NDJSON object or a
/// Parquet file; a lone surrogate; decimals of every precision up to 38, exact, and never rounded; event times with nine
/// fraction digits or lower-case t and z, and a table's own EventTimeFormat. The ledger is read back through the
/// warehouse's own query path, which must give every digit of a DECIMAL(38) on both engines.
/// </summary>
public abstract class ValueTypingTests
{
    protected abstract Engine Engine { get; }

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private const string Settings = """
        {
          "Tables": {
            "item": {
              "Format": "ndjson", "Key": ["id"], "SchemaEvolution": "add",
              "Columns": { "id": "string", "note": "string", "big": "decimal(38,0)", "fine": "decimal(38,30)", "amount": "decimal(38,10)" },
              "EventTime": "at"
            },
            "reading": {
              "Format": "parquet", "Key": ["device"], "SchemaEvolution": "add",
              "Columns": { "device": "string", "s_struct": "string", "s_list": "string", "s_map": "string", "s_time": "string",
                           "s_blob": "string", "note": "string", "big": "decimal(38,0)", "fine": "decimal(38,30)" },
              "EventTime": "taken"
            },
            "flat": {
              "Format": "csv", "Key": ["id"],
              "Columns": { "id": "string", "big": "decimal(38,0)", "fine": "decimal(38,30)", "amount": "decimal(38,10)" },
              "EventTime": "at"
            },
            "epoch": { "Format": "ndjson", "Key": ["id"], "Columns": { "id": "int64" }, "EventTime": "at", "EventTimeFormat": "epoch_ms" },
            "epochs": { "Format": "csv", "Key": ["id"], "Columns": { "id": "int64" }, "EventTime": "at", "EventTimeFormat": "epoch_s" },
            "dotted": { "Format": "csv", "Key": ["id"], "Columns": { "id": "int64" }, "EventTime": "at", "EventTimeFormat": "dd.MM.yyyy HH:mm:ss" }
          }
        }
        """;

    private const string Big = "12345678901234567890123456789012345678";
    private const string Fine = "1.000000000000000000000000000001";

    /// <summary>A file for one table, the rows it must load (read back through the warehouse) and its rejects (line|field|reason start).</summary>
    public sealed record ValueCase(string Table, string Name, Func<string, byte[]> Write, string Ledger, string[] Loaded, string[] Rejects)
    {
        public override string ToString() => $"{Table}/{Name}";
    }

    private static Func<string, byte[]> Text(string text) => _ => Encoding.UTF8.GetBytes(text);

    /// <summary>A Parquet file written by DuckDB; each (from, to) pair of equal length is then patched into its column names.</summary>
    private static Func<string, byte[]> Parquet(string select, params (string From, string To)[] renames) => dir =>
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

        // DuckDB writes no two names that differ only in case; another tool may, so the test writes CITX and patches it.
        foreach (var (from, to) in renames)
        {
            var f = Encoding.ASCII.GetBytes(from);
            for (var i = 0; i + f.Length <= bytes.Length; i++)
            {
                if (bytes.AsSpan(i, f.Length).SequenceEqual(f))
                {
                    Encoding.ASCII.GetBytes(to).CopyTo(bytes, i);
                }
            }
        }

        return bytes;
    };

    // A row without an event time holds its processing-time sequence there: shown as NULL, as the row gave none.
    private const string ItemLedger = "SELECT id, note, big, fine, amount, CASE WHEN _event_time_given THEN CAST(\"at\" AS VARCHAR) END FROM item_raw ORDER BY _seq";
    private const string ReadingLedger =
        "SELECT device, s_struct, s_list, s_map, s_time, s_blob, note, big, fine, CASE WHEN _event_time_given THEN CAST(taken AS VARCHAR) END FROM reading_raw ORDER BY _seq";
    private const string FlatLedger = "SELECT id, big, fine, amount, CASE WHEN _event_time_given THEN CAST(\"at\" AS VARCHAR) END FROM flat_raw ORDER BY _seq";
    private const string EpochLedger = "SELECT id, CASE WHEN _event_time_given THEN CAST(\"at\" AS VARCHAR) END FROM epoch_raw ORDER BY _seq";
    private const string EpochsLedger = "SELECT id, CASE WHEN _event_time_given THEN CAST(\"at\" AS VARCHAR) END FROM epochs_raw ORDER BY _seq";
    private const string DottedLedger = "SELECT id, CASE WHEN _event_time_given THEN CAST(\"at\" AS VARCHAR) END FROM dotted_raw ORDER BY _seq";

    public static TheoryData<string> Cases() => [.. AllCases.Keys];

    private static readonly Dictionary<string, ValueCase> AllCases = new ValueCase[]
    {
        new("item", "values.ndjson", Text($$"""
            {"id": "a", "note": "x\u0000y"}
            {"id": "k\u0000", "note": "n"}
            {"id": "b", "note": "\ud800"}
            {"id": "c", "at": "2026-01-01T00:00:00.123456789Z"}
            {"id": "d", "at": "2026-01-01t00:00:00z"}
            {"id": "e", "at": "2026-01-01T00:00:00Z", "AT": "2026-01-02T00:00:00Z"}
            {"id": "f", "note": "1", "Note": "2"}
            {"id": "g", "big": "{{Big}}"}
            {"id": "h", "big": {{Big}}}
            {"id": "i", "fine": "{{Fine}}"}
            {"id": "j", "amount": "{{Fine}}"}
            {"id": "k", "amount": "1.50000000000000000000", "fine": "-12345678.9"}
            {"id": "l", "big": "1{{Big}}"}
            {"id": "m", "fine": "123456789"}
            {"id": "n", "big": 1.5e3, "amount": "0.1E-9"}
            {"id": "o", "amount": "0.1E-10"}
            """), ItemLedger,
            [
                "c|∅|∅|∅|∅|2026-01-01 00:00:00.123456",
                "d|∅|∅|∅|∅|2026-01-01 00:00:00",
                $"g|∅|{Big}|∅|∅|∅",
                $"h|∅|{Big}|∅|∅|∅",
                $"i|∅|∅|{Fine}|∅|∅",
                "k|∅|∅|-12345678.900000000000000000000000000000|1.5000000000|∅",
                "n|∅|1500|∅|0.0000000001|∅",
            ],
            [
                "1|note|contains a NUL byte",
                "2|id|contains a NUL byte",
                "3|note|holds a lone UTF-16 surrogate",
                "6|at|the object names 'at' twice",
                "7|note|the object names 'note' twice",
                $"11|amount|'{Fine}' has more than 10 decimal places (decimal(38,10))",
                $"13|big|'1{Big}' does not fit decimal(38,0)",
                "14|fine|'123456789' does not fit decimal(38,30)",
                "16|amount|'0.1E-10' has more than 10 decimal places",
            ]),
        new("reading", "values.parquet", Parquet($$"""
            SELECT * FROM (VALUES
                ('d1', {'a': 1, 'b': 'x'}, [1, 2], MAP {'k': 1}, TIME '10:11:12', NULL::BLOB, 'ok', '{{Big}}'::DECIMAL(38,0), '{{Fine}}'::DECIMAL(38,30), TIMESTAMP '2026-01-01 10:00:00'),
                ('d2', NULL, NULL, NULL, TIME '10:11:12.5', 'x'::BLOB, NULL, NULL, NULL, NULL),
                ('d3', NULL, NULL, NULL, NULL, NULL, 'a' || chr(0) || 'b', NULL, NULL, NULL),
                ('d4', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'infinity'::TIMESTAMP),
                ('d5', NULL, NULL, NULL, TIME '10:11:12.5', NULL, NULL, NULL, NULL, NULL)
            ) t(device, s_struct, s_list, s_map, s_time, s_blob, note, big, fine, taken)
            """), ReadingLedger,
            [
                $"d1|{{\"a\":1,\"b\":\"x\"}}|[1,2]|{{\"k\":1}}|10:11:12|∅|ok|{Big}|{Fine}|2026-01-01 10:00:00",
                "d5|∅|∅|∅|10:11:12.5|∅|∅|∅|∅|∅",
            ],
            [
                "2|s_blob|is binary (a BLOB)",
                "3|note|contains a NUL byte",
                "4|taken|is infinite",
            ]),
        new("reading", "case.parquet", Parquet("SELECT 'd9' AS device, 'a' AS CITX, 'b' AS City, TIMESTAMP '2026-01-01 10:00:00' AS taken", ("CITX", "CITY")),
            ReadingLedger, [], ["1|city|the file names column 'city' twice (CITY, City)"]),
        new("flat", "values.csv", Text($"""
            id,big,fine,amount,at
            c1,{Big},0.000000000000000000000000000001,1234567890123456789012345678.1234567891,2026-01-01T00:00:00.123456789Z
            c2,,,1.00000000001,
            c3,1e3,,,2026-01-01T10:00:00z
            """), FlatLedger,
            [
                $"c1|{Big}|0.000000000000000000000000000001|1234567890123456789012345678.1234567891|2026-01-01 00:00:00.123456",
                "c3|1000|∅|∅|2026-01-01 10:00:00",
            ],
            ["3|amount|'1.00000000001' has more than 10 decimal places"]),
        new("epoch", "epoch.ndjson", Text("""
            {"id": 1, "at": 1767261600123}
            {"id": 2, "at": "1767261600000"}
            {"id": 3, "at": "2026-01-01T00:00:00Z"}
            """), EpochLedger,
            ["1|2026-01-01 10:00:00.123", "2|2026-01-01 10:00:00"],
            ["3|at|'2026-01-01T00:00:00Z' is not milliseconds since 1970-01-01 UTC"]),
        new("epochs", "epochs.csv", Text("""
            id,at
            1,1767261600
            2,1767261600.25
            3,2026-01-01T00:00:00Z
            """), EpochsLedger,
            ["1|2026-01-01 10:00:00", "2|2026-01-01 10:00:00.25"],
            ["4|at|'2026-01-01T00:00:00Z' is not seconds since 1970-01-01 UTC"]),
        new("dotted", "dotted.csv", Text("""
            id,at
            1,01.12.2026 10:15:30
            2,2026-12-01T10:15:30Z
            """), DottedLedger,
            ["1|2026-12-01 10:15:30"],
            ["3|at|'2026-12-01T10:15:30Z' is not a timestamp in the pattern 'dd.MM.yyyy HH:mm:ss'"]),
    }.ToDictionary(c => c.ToString());

    private static void LandBytes(TempWorkspace tmp, string folder, string name, byte[] bytes)
    {
        var dir = Path.Combine(tmp.Landing, folder);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, Now.AddSeconds(-5));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_value_is_stored_as_its_text_says_or_its_row_is_rejected_never_cut_rounded_or_the_file_failed(string name)
    {
        var c = AllCases[name];
        using var tmp = new TempWorkspace(Engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings);
        var ws = tmp.Open();
        LandBytes(tmp, c.Table, c.Name, c.Write(tmp.Dir));
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);

        var status = c.Rejects.Length == 0 ? "LOADED" : c.Loaded.Length == 0 ? "LOAD_FAILED" : "PARTIALLY_LOADED";
        Assert.Equal([$"{c.Table}|{status}|{c.Loaded.Length + c.Rejects.Length}|{c.Loaded.Length}|{c.Rejects.Length}|∅"],
            Db.Rows(ws, "SELECT table_name, status, rows_in_file, rows_loaded, rows_rejected, error FROM load_history"));
        Assert.Equal(c.Loaded, Db.Rows(ws, c.Ledger));
        var rejects = Db.Rows(ws, "SELECT line, field, reason FROM load_rejects ORDER BY line");
        Assert.Equal(c.Rejects.Length, rejects.Count);
        foreach (var (expected, actual) in c.Rejects.Zip(rejects))
        {
            Assert.StartsWith(expected, actual, StringComparison.Ordinal);
        }

        // A name given twice never becomes a column of its own (city_1, note_1), even under SchemaEvolution add.
        Assert.Equal(0, Db.Count(ws, $"""
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = '{c.Table}_raw' AND (column_name LIKE '%\_1' ESCAPE '\' OR column_name = 'city')
            """));
    }

    /// <summary>
    /// Two values that differ only past the 28th significant digit (where a .NET decimal would round them into one) are two
    /// versions in the SCD2 table, and <c>history</c> prints both whole.
    /// </summary>
    [Fact]
    public async Task Decimals_that_differ_past_the_28th_digit_are_two_versions_and_history_prints_them_whole()
    {
        using var tmp = new TempWorkspace(Engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings);
        const string first = "1.000000000000000000000000000001";
        const string second = "1.000000000000000000000000000002";
        LandBytes(tmp, "flat", "one.csv", Encoding.UTF8.GetBytes($"id,big,fine,amount,at\nd1,,{first},,2026-01-01T10:00:00Z\n"));
        Assert.Equal(0, (await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()])).Code);
        LandBytes(tmp, "flat", "two.csv", Encoding.UTF8.GetBytes($"id,big,fine,amount,at\nd1,,{second},,2026-01-01T11:00:00Z\n"));
        Assert.Equal(0, (await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()])).Code);

        var ws = tmp.Open();
        Assert.Equal([$"{first}|false", $"{second}|true"],
            Db.Rows(ws, "SELECT CAST(fine AS VARCHAR), is_current FROM flat_history WHERE id = 'd1' ORDER BY start_time"));
        var history = await CliRunner.RunAsync(["history", "--table", "flat", "d1", "--format", "csv", .. tmp.CliArgs()]);
        Assert.True(history.Code == 0, history.ToString());
        Assert.Contains(first, history.Out, StringComparison.Ordinal);
        Assert.Contains(second, history.Out, StringComparison.Ordinal);
    }

    /// <summary>Every digit of a DECIMAL(38) reaches what a reader gets: query and history (above), and export's files.</summary>
    [Theory]
    [InlineData("parquet")]
    [InlineData("csv")]
    public async Task Export_writes_every_digit_of_a_decimal_38(string format)
    {
        var c = AllCases["item/values.ndjson"];
        using var tmp = new TempWorkspace(Engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings);
        var ws = tmp.Open();
        LandBytes(tmp, c.Table, c.Name, c.Write(tmp.Dir));
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);

        var path = Path.Combine(tmp.Dir, $"item.{format}");
        Assert.Equal(0, (await CliRunner.RunAsync(["export", "--table", "item_raw", "--to", path, .. tmp.CliArgs()])).Code);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT id, CAST(big AS VARCHAR), CAST(fine AS VARCHAR) FROM {(format == "csv" ? $"read_csv('{path}', all_varchar = true)" : $"'{path}'")} WHERE big IS NOT NULL OR fine IS NOT NULL ORDER BY id";
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetValue(0)}|{(reader.IsDBNull(1) ? "∅" : reader.GetString(1))}|{(reader.IsDBNull(2) ? "∅" : reader.GetString(2))}");
        }

        Assert.Equal([$"g|{Big}|∅", $"h|{Big}|∅", $"i|∅|{Fine}", "k|∅|-12345678.900000000000000000000000000000", "n|1500|∅"], rows);
    }
}

public sealed class ValueTypingTestsOnDuckDb : ValueTypingTests
{
    protected override Engine Engine => Engine.DuckDb;
}

public sealed class ValueTypingTestsOnPostgres : ValueTypingTests
{
    protected override Engine Engine => Engine.Postgres;
}
