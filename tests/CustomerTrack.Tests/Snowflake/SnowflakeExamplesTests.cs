using CustomerTrack.Configuration;
using CustomerTrack.Contract;
using CustomerTrack.Snowflake;
using CustomerTrack.Tables;
using CustomerTrack.Tests.Scd;
using CustomerTrack.Tests.Support;
using DuckDB.NET.Data;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// The generated procedure's SCD statements, run on DuckDB, on every example of docs/semantics.md (file by file, and
/// all files in one run), and on a hand-worked feed of a custom definition with typed columns.
/// </summary>
public sealed class SnowflakeExamplesTests
{
    private static readonly DateTime Clock = new(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime ScanBase = new(2031, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> Examples() => [.. SemanticsDocTests.Parse().Select(e => e.Title)];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Semantics_document_example_gives_the_tables_shown(string title)
    {
        var example = SemanticsDocTests.Parse().Single(e => e.Title == title);
        if (example.Settings?.Contains("\"snapshot\"", StringComparison.Ordinal) == true)
        {
            // Snapshot tables are not on Snowflake yet (docs/snowflake.md): the plan refuses them, naming the table.
            var refused = Assert.Throws<CustomerTrackException>(() => PlanFor(example.Settings, "s3://bucket/ct"));
            Assert.Contains("does not yet apply snapshot tables", refused.Message, StringComparison.Ordinal);
            return;
        }

        var plan = PlanFor(example.Settings, "s3://bucket/ct");
        var batches = example.Files.Select((csv, i) => Rows(csv, i)).ToList();

        using (var fileByFile = new SnowflakeOnDuckDb(plan))
        {
            foreach (var batch in batches)
            {
                fileByFile.Apply(batch);
            }

            Check(fileByFile, plan, example, title, "file by file");
        }

        if (example.Files.All(f => f[..f.IndexOf('\n', StringComparison.Ordinal)].Contains("updated_at", StringComparison.Ordinal)))
        {
            using var once = new SnowflakeOnDuckDb(plan);
            once.Apply(batches.SelectMany(b => b));
            Check(once, plan, example, title, "all files in one run");
        }
    }

    private static long _seq;

    /// <summary>A document file as the typed batch the procedure makes of it; without updated_at, sequenced by load time and line.</summary>
    private static List<object?[]> Rows(string csv, int fileIndex)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var loadedAt = Clock.AddMinutes(fileIndex + 1);
        var rows = new List<object?[]>();
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            string? Cell(string column) => Array.IndexOf(header, column) is var at and >= 0 && cells[at].Length > 0 ? cells[at] : null;
            var ts = Cell(Columns.UpdatedAt) is { } text && EventTime.TryParse(text, out var t) ? t : loadedAt.AddTicks((i + 1) * TimeSpan.TicksPerMicrosecond);
            var delete = OpMapping.Standard.Map(Cell(Columns.Op) ?? "") == ChangeKind.Delete;
            var seq = Interlocked.Increment(ref _seq);
            rows.Add([long.Parse(Cell(Columns.CustomerId)!, System.Globalization.CultureInfo.InvariantCulture), ts, delete,
                .. Columns.Attributes.Select(Cell), ScanBase.AddSeconds(seq), $"f{fileIndex:D2}.csv", (long)i]);
        }

        return rows;
    }

    private static void Check(SnowflakeOnDuckDb snowflake, SnowflakePlan plan, SemanticsDocTests.Example example, string title, string how)
    {
        foreach (var (table, body) in example.Tables.Where(t => t.Table != "task_run"))
        {
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var columns = Cells(lines[0]);
            var expected = lines.Skip(1).Select(l => string.Join("|", Cells(l))).ToList();
            var (name, order) = table == "customer" ? (plan.Names.Current, "customer_id") : (plan.Names.History, "customer_id, start_time");
            var actual = snowflake.Rows($"SELECT {string.Join(", ", columns)} FROM {name} ORDER BY {order}", "NULL");
            FeedCheck.Same($"docs/semantics.md, \"{title}\" ({how}): {table} by the Snowflake procedure on DuckDB", expected, actual, "document");
        }
    }

    /// <summary>The plan of the first table <paramref name="settingsJson"/> defines, on the stand-in's database and schema.</summary>
    private static SnowflakePlan PlanFor(string? settingsJson, string lake)
    {
        var dir = SnowflakeSamples.Workspace(settingsJson);
        try
        {
            var settings = SettingsLoader.Load(dir);
            return new SnowflakePlan(settings.Definitions[0], SnowflakePlanOptions.From(settings, SnowflakeOnDuckDb.Database, SnowflakeOnDuckDb.Schema, lake));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    [Fact]
    public void A_custom_definition_keeps_typed_versions_by_composite_key()
    {
        var plan = PlanFor(SnowflakeSamples.OrdersSettings, "s3://bucket/feeds");
        using var snowflake = new SnowflakeOnDuckDb(plan);
        var seq = 0L;
        object?[] Row(string region, string order, int hour, int minute, bool delete, decimal? amount, DateOnly? on, bool? paid, int? quantity) =>
            [region, order, new DateTime(2026, 3, 1, hour, minute, 0, DateTimeKind.Utc), delete, amount, on, paid, quantity,
                ScanBase.AddSeconds(++seq), "orders.csv", seq];
        var day = new DateOnly(2026, 1, 1);

        snowflake.Apply(
        [
            Row("eu", "A-1", 10, 0, false, 10.50m, day, false, 1),
            Row("eu", "A-1", 11, 0, false, 10.50m, day, false, 3), // quantity is not tracked: the version is updated in place
            Row("eu", "A-1", 12, 0, false, 12.00m, day, true, 3),
            Row("us", "A-1", 10, 30, false, 5.00m, day.AddDays(1), null, 2),
            Row("eu", "A-1", 13, 0, true, null, null, null, null),
        ]);
        snowflake.Apply([Row("eu", "A-1", 11, 30, false, 11.00m, day, false, 3)]); // late: spliced in

        Assert.Equal(
        [
            "eu|A-1|10.50|2026-01-01|false|3|2026-03-01 10:00:00|2026-03-01 11:30:00|false|false",
            "eu|A-1|11.00|2026-01-01|false|3|2026-03-01 11:30:00|2026-03-01 12:00:00|false|false",
            "eu|A-1|12.00|2026-01-01|true|3|2026-03-01 12:00:00|2026-03-01 13:00:00|false|false",
            "eu|A-1|∅|∅|∅|∅|2026-03-01 13:00:00|9999-12-31 00:00:00|true|true",
            "us|A-1|5.00|2026-01-02|∅|2|2026-03-01 10:30:00|9999-12-31 00:00:00|true|false",
        ], snowflake.Rows($"SELECT region, order_no, amount, ordered_on, paid, quantity, start_time, end_time, is_current, is_deleted FROM {plan.Names.History} ORDER BY region, order_no, start_time"));
        Assert.Equal(["us|A-1|5.00|2026-01-02|∅|2|2026-03-01 10:30:00"],
            snowflake.Rows($"SELECT region, order_no, amount, ordered_on, paid, quantity, update_timestamp FROM {plan.Names.Current} ORDER BY region, order_no"));
    }

    /// <summary>
    /// SchemaEvolution add: the columns files bring travel through the SCD statements as one tracked text attribute,
    /// _EVOLVED, so a change in one of them opens a version as on our engines (a later file without the column gives
    /// it NULL, which is a change too), and an unchanged one does not.
    /// </summary>
    [Fact]
    public void An_add_table_opens_a_version_when_a_column_a_file_brought_changes_and_not_when_it_stays()
    {
        var plan = PlanFor(SnowflakeSamples.EvolvingSettings, "s3://bucket/feeds");
        using var snowflake = new SnowflakeOnDuckDb(plan);
        var seq = 0L;
        var day = new DateOnly(2026, 1, 1);
        object?[] Row(string region, int hour, int minute, string? evolved) =>
            [region, "A-1", new DateTime(2026, 3, 1, hour, minute, 0, DateTimeKind.Utc), false, 10.50m, day, false, 1, evolved,
                ScanBase.AddSeconds(++seq), "orders.csv", seq];
        const string Phone = """{"PHONE":"555"}""";

        snowflake.Apply([Row("eu", 10, 0, null)]); // a file without the column
        snowflake.Apply([Row("eu", 11, 0, Phone), Row("eu", 12, 0, Phone), Row("us", 10, 30, null)]); // a file that brings it
        snowflake.Apply([Row("eu", 13, 0, null)]); // a file without it again

        Assert.Equal(
        [
            "eu|∅|2026-03-01 10:00:00|2026-03-01 11:00:00|false",
            $"eu|{Phone}|2026-03-01 11:00:00|2026-03-01 13:00:00|false",
            "eu|∅|2026-03-01 13:00:00|9999-12-31 00:00:00|true",
            "us|∅|2026-03-01 10:30:00|9999-12-31 00:00:00|true",
        ], snowflake.Rows($"SELECT region, _evolved, start_time, end_time, is_current FROM {plan.Names.History} ORDER BY region, start_time"));
        Assert.Equal(["eu|∅|2026-03-01 13:00:00", "us|∅|2026-03-01 10:30:00"],
            snowflake.Rows($"SELECT region, _evolved, update_timestamp FROM {plan.Names.Current} ORDER BY region"));
    }

    public static TheoryData<string> RecordFormats() => ["ndjson", "parquet"];

    /// <summary>
    /// SchemaEvolution add on NDJSON and Parquet: a field whose values change kind (a number in one file, text in the next,
    /// absent in the last) keeps every row, locally and on Snowflake, where the record lands whole as VARIANT and the
    /// procedure reads the field as text into _EVOLVED. The local engine loads the files; its ledger, with _EVOLVED
    /// made as the procedure makes it (the record's other fields, upper case, as text, sorted), goes through the plan's
    /// SCD statements on DuckDB, and the evolved column carried from _EVOLVED as the procedure carries it gives the engine's
    /// SCD1 and SCD2 tables. What Snowflake itself does with the VARIANT is not run here (docs/snowflake.md).
    /// </summary>
    [Theory]
    [MemberData(nameof(RecordFormats))]
    public async Task An_evolved_field_that_is_a_number_then_text_keeps_every_row_and_gives_the_engine_tables(string format)
    {
        const string Settings = """
            { "Tables": { "item": { "Format": "FORMAT", "Key": ["id"], "Columns": { "id": "int64", "name": "string" },
                                    "EventTime": "changed_at", "SchemaEvolution": "add" } } }
            """;
        var settings = Settings.Replace("FORMAT", format, StringComparison.Ordinal);
        using var tmp = new TempWorkspace(Engine.DuckDb);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), settings);
        var ws = tmp.Open();
        var now = new DateTime(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);
        void Land(string name, string ndjson, string parquetSelect)
        {
            var dir = Path.Combine(tmp.Landing, "item");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, $"{name}.{format}");
            if (format == "ndjson")
            {
                File.WriteAllText(path, ndjson);
            }
            else
            {
                using var duck = new DuckDBConnection("DataSource=:memory:");
                duck.Open();
                using var copy = duck.CreateCommand();
                copy.CommandText = $"COPY ({parquetSelect}) TO '{path}' (FORMAT parquet)";
                copy.ExecuteNonQuery();
            }

            File.SetLastWriteTimeUtc(path, now.AddSeconds(-5));
        }

        // score: a number, then text (and, in another case, a decimal), then absent.
        Land("a", """{"id": 1, "name": "Ann", "changed_at": "2026-01-01T10:00:00Z", "score": 5}""" + "\n",
            "SELECT 1::BIGINT AS id, 'Ann' AS name, '2026-01-01T10:00:00Z' AS changed_at, 5::BIGINT AS score");
        Land("b", """{"id": 1, "name": "Ann", "changed_at": "2026-01-01T11:00:00Z", "score": "n/a"}""" + "\n"
                + """{"id": 2, "name": "Bob", "changed_at": "2026-01-01T10:30:00Z", "Score": 7.5}""" + "\n",
            "SELECT * FROM (VALUES (1::BIGINT, 'Ann', '2026-01-01T11:00:00Z', 'n/a'), (2::BIGINT, 'Bob', '2026-01-01T10:30:00Z', '7.5')) t(id, name, changed_at, score)");
        Land("c", """{"id": 1, "name": "Ann", "changed_at": "2026-01-01T12:00:00Z"}""" + "\n",
            "SELECT 1::BIGINT AS id, 'Ann' AS name, '2026-01-01T12:00:00Z' AS changed_at");
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(now));

        // Every row is in the ledger, the score as text.
        var raw = Db.Rows(ws, "SELECT id, name, strftime(changed_at, '%Y-%m-%d %H:%M:%S'), score, _seq, _file FROM item_raw ORDER BY _seq");
        Assert.Equal(["1|Ann|5", "1|Ann|n/a", "2|Bob|7.5", "1|Ann|∅"], raw.Select(r => string.Join("|", r.Split('|').Where((_, i) => i is 0 or 1 or 3))));

        var plan = PlanFor(settings, "s3://bucket/feeds");
        Assert.True(plan.RawRows.LandsRecord);
        using var snowflake = new SnowflakeOnDuckDb(plan);
        static string? Evolved(string score) => score == "∅" ? null
            : System.Text.Json.JsonSerializer.Serialize(new SortedDictionary<string, string>(StringComparer.Ordinal) { ["SCORE"] = score });
        foreach (var file in raw.GroupBy(r => r.Split('|')[5]))
        {
            // One task run per file: its typed rows in ledger column order (key, event time, delete, name, _EVOLVED, load order).
            snowflake.Apply(file.Select(r => r.Split('|')).Select(c => new object?[]
            {
                long.Parse(c[0], System.Globalization.CultureInfo.InvariantCulture),
                DateTime.SpecifyKind(DateTime.Parse(c[2], System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc),
                false, c[1], Evolved(c[3]), ScanBase.AddSeconds(long.Parse(c[4], System.Globalization.CultureInfo.InvariantCulture)), "item." + format,
                long.Parse(c[4], System.Globalization.CultureInfo.InvariantCulture),
            }));
        }

        // The procedure's step after the SCD statements, on DuckDB: the evolved column of current and history from _EVOLVED.
        foreach (var table in new[] { plan.Names.Current, plan.Names.History })
        {
            snowflake.Rows($"ALTER TABLE {table} ADD COLUMN score VARCHAR");
            snowflake.Rows($"UPDATE {table} SET score = NULLIF(json_extract_string(_evolved, '$.SCORE'), '')");
        }

        const string History = "SELECT id, name, score, strftime(start_time, '%Y-%m-%d %H:%M:%S'), strftime(end_time, '%Y-%m-%d %H:%M:%S'), is_current FROM {0} ORDER BY id, start_time";
        var engine = Db.Rows(ws, string.Format(System.Globalization.CultureInfo.InvariantCulture, History, "item_history"));
        Assert.Equal(
        [
            "1|Ann|5|2026-01-01 10:00:00|2026-01-01 11:00:00|false",
            "1|Ann|n/a|2026-01-01 11:00:00|2026-01-01 12:00:00|false",
            "1|Ann|∅|2026-01-01 12:00:00|9999-12-31 00:00:00|true",
            "2|Bob|7.5|2026-01-01 10:30:00|9999-12-31 00:00:00|true",
        ], engine);
        Assert.Equal(engine, snowflake.Rows(string.Format(System.Globalization.CultureInfo.InvariantCulture, History, plan.Names.History)));
        const string Current = "SELECT id, name, score, strftime(update_timestamp, '%Y-%m-%d %H:%M:%S') FROM {0} ORDER BY id";
        Assert.Equal(Db.Rows(ws, string.Format(System.Globalization.CultureInfo.InvariantCulture, Current, "item")),
            snowflake.Rows(string.Format(System.Globalization.CultureInfo.InvariantCulture, Current, plan.Names.Current)));
    }
}
