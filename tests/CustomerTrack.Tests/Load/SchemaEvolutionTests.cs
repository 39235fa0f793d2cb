using System.Text;
using CustomerTrack.Configuration;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using DuckDB.NET.Data;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// Load-time schema evolution (issue 11): under <c>"SchemaEvolution": "add"</c> a column a file brings and its table
/// lacks becomes a nullable string column of the ledger, the current and the history table, recorded in schema_change
/// with the file, and that file's values load; after a restart it is part of the table (the SCD step carries it). Under
/// the default <c>ignore</c> it is listed in unknown_columns and nothing changes. Every format, both engines; on
/// PostgreSQL, workers meeting the same new column at once add it once.
/// </summary>
public abstract class SchemaEvolutionTests
{
    protected abstract Engine Engine { get; }

    private protected static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private protected static string Settings(string format, string evolution) => $$"""
        {
          "Tables": {
            "item": {
              "Format": "{{format}}", "Key": ["id"], "Columns": { "id": "int64", "name": "string" },
              "EventTime": "at", "SchemaEvolution": "{{evolution}}"
            }
          }
        }
        """;

    /// <summary>A file of <paramref name="format"/> with <paramref name="columns"/> and rows of text values (null: absent or NULL).</summary>
    private protected static byte[] File(string format, string[] columns, params string?[][] rows)
    {
        switch (format)
        {
            case "csv":
                return Encoding.UTF8.GetBytes(string.Join("\n", [string.Join(",", columns), .. rows.Select(r => string.Join(",", r.Select(v => v ?? "")))]) + "\n");
            case "ndjson":
                return Encoding.UTF8.GetBytes(string.Concat(rows.Select(r => "{" + string.Join(", ",
                    columns.Zip(r).Where(p => p.Second is not null).Select(p => $"\"{p.First}\": \"{p.Second}\"")) + "}\n")));
            default:
                var path = Path.Combine(Path.GetTempPath(), "ct-evolve-" + Guid.NewGuid().ToString("N")[..8] + ".parquet");
                using (var connection = new DuckDBConnection("DataSource=:memory:"))
                {
                    connection.Open();
                    using var cmd = connection.CreateCommand();
                    var values = string.Join(", ", rows.Select(r => "(" + string.Join(", ", r.Select(v => v is null ? "NULL::VARCHAR" : $"'{v}'")) + ")"));
                    cmd.CommandText = $"COPY (SELECT * FROM (VALUES {values}) t({string.Join(", ", columns.Select(c => $"\"{c}\""))})) TO '{path}' (FORMAT parquet)";
                    cmd.ExecuteNonQuery();
                }

                var bytes = System.IO.File.ReadAllBytes(path);
                System.IO.File.Delete(path);
                return bytes;
        }
    }

    private protected static void Land(TempWorkspace tmp, string name, byte[] bytes)
    {
        var dir = Path.Combine(tmp.Landing, "item");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        System.IO.File.WriteAllBytes(path, bytes);
        System.IO.File.SetLastWriteTimeUtc(path, Now.AddSeconds(-5));
    }

    private protected static Workspace Open(TempWorkspace tmp, string format, string evolution)
    {
        System.IO.File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings(format, evolution));
        return tmp.Open();
    }

    private const string ColorColumns = """
        SELECT table_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND column_name = 'color' ORDER BY table_name
        """;

    public static TheoryData<string, string> Formats() => new()
    {
        { "csv", "add" }, { "ndjson", "add" }, { "parquet", "add" },
        { "csv", "ignore" }, { "ndjson", "ignore" }, { "parquet", "ignore" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_column_a_file_brings_is_added_and_loaded_under_add_and_listed_as_unknown_under_ignore(string format, string evolution)
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp, format, evolution);
        Land(tmp, "a." + format, File(format, ["id", "name", "at"], ["1", "Ann", "2026-01-01T10:00:00Z"]));

        // A column the warehouse uses itself (start_time) is never added: it stays unknown whatever the setting.
        Land(tmp, "b." + format, File(format, ["id", "name", "color", "start_time", "at"],
            ["1", "Ann", "red", "x", "2026-01-01T11:00:00Z"], ["2", "Bob", "blue", "y", "2026-01-01T11:00:00Z"]));
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now));

        var add = evolution == "add";
        Assert.Equal(["a|LOADED|1|∅", $"b|LOADED|2|{(add ? "start_time" : "color,start_time")}"],
            Db.Rows(ws, "SELECT split_part(file_name, '.', 1), status, rows_loaded, coalesce(unknown_columns, '∅') FROM load_history ORDER BY file_name"));
        if (!add)
        {
            Assert.Empty(Db.Rows(ws, ColorColumns));
            Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM schema_change"));
            Assert.Equal(["1|Ann", "2|Bob"], Db.Rows(ws, "SELECT id, name FROM item ORDER BY id"));
            return;
        }

        Assert.Equal(["item", "item_history", "item_raw"], Db.Rows(ws, ColorColumns));
        var fileB = Db.Rows(ws, "SELECT file_key FROM load_history WHERE file_name LIKE 'b.%'").Single();
        Assert.Equal([$"item|color|string|{fileB}|2031-02-03 12:00:00"],
            Db.Rows(ws, "SELECT table_name, column_name, column_type, file_key, changed_at::VARCHAR FROM schema_change"));
        Assert.Equal(["1|Ann|∅", "1|Ann|red", "2|Bob|blue"], Db.Rows(ws, "SELECT id, name, color FROM item_raw ORDER BY _seq"));
        Assert.Equal(["1|Ann|red", "2|Bob|blue"], Db.Rows(ws, "SELECT id, name, color FROM item ORDER BY id"));
        Assert.Equal(["1|∅|false", "1|red|true", "2|blue|true"], Db.Rows(ws, "SELECT id, color, is_current FROM item_history ORDER BY id, start_time"));

        // A restart: the settings still do not name color, yet it is part of the table, and the SCD step carries it.
        var again = Open(tmp, format, evolution);
        Land(tmp, "c." + format, File(format, ["id", "name", "color", "at"], ["1", "Ann", "green", "2026-01-01T12:00:00Z"]));
        await Pipelines.DrainAsync(again, new FakeTimeProvider(Now.AddMinutes(1)));

        Assert.Equal("c|LOADED|1|∅", Db.Rows(again, "SELECT split_part(file_name, '.', 1), status, rows_loaded, coalesce(unknown_columns, '∅') FROM load_history WHERE file_name LIKE 'c.%'").Single());
        Assert.Equal(["1|Ann|green", "2|Bob|blue"], Db.Rows(again, "SELECT id, name, color FROM item ORDER BY id"));
        Assert.Equal(["1|∅|false", "1|red|false", "1|green|true", "2|blue|true"],
            Db.Rows(again, "SELECT id, color, is_current FROM item_history ORDER BY id, start_time"));
        Assert.Equal(1, Db.Count(again, "SELECT count(*) FROM schema_change"));
        Assert.Contains(again.Settings.Table("item").Attributes, a => a.Name == "color");

        // The readers show it too.
        var history = CliAssert.Succeeded(await CliRunner.RunAsync(["history", "--table", "item", "1", "--format", "csv", .. tmp.CliArgs()]));
        Assert.StartsWith("id,name,color,start_time", history[0], StringComparison.Ordinal);
        Assert.StartsWith("1,Ann,green,", history[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Workers_meeting_the_same_new_columns_at_once_add_each_once()
    {
        using var tmp = new TempWorkspace(Engine);
        var workspaces = Enumerable.Range(0, 2).Select(_ => Open(tmp, "csv", "add")).ToArray();

        // DuckDB has one writing process: its one warehouse is shared by the threads. PostgreSQL: a warehouse per worker.
        using var first = Warehouses.Open(workspaces[0], readOnly: false);
        using var second = Engine == Engine.Postgres ? Warehouses.Open(workspaces[1], readOnly: false) : null;
        var warehouses = new[] { first, second ?? first };
        const int Workers = 6;
        using var start = new Barrier(Workers);
        var grown = Enumerable.Range(0, Workers).AsParallel().WithDegreeOfParallelism(Workers).Select(i =>
        {
            var ws = workspaces[i % 2];
            start.SignalAndWait();
            return warehouses[i % 2].AddColumns(ws.Settings.Table("item"), ["color", "size"], $"file-{i}", Now);
        }).ToList();

        Assert.All(grown, t => Assert.Equal(["id", "name", "color", "size"], t.Columns.Select(c => c.Name)));
        Assert.Equal(["color|1", "size|1"],
            Db.Rows(workspaces[0], "SELECT column_name, count(*) FROM schema_change WHERE table_name = 'item' GROUP BY column_name ORDER BY column_name"));
        Assert.Equal(["color|string|false", "size|string|false"],
            Db.Rows(workspaces[0], "SELECT column_name, column_type, is_key FROM table_column WHERE table_name = 'item' AND column_name IN ('color', 'size') ORDER BY column_name"));
    }
}

public sealed class SchemaEvolutionTestsOnDuckDb : SchemaEvolutionTests
{
    protected override Engine Engine => Engine.DuckDb;
}

public sealed class SchemaEvolutionTestsOnPostgres : SchemaEvolutionTests
{
    protected override Engine Engine => Engine.Postgres;

    [Fact]
    public async Task Two_workers_loading_files_with_new_columns_together_add_them_once_and_load_every_value()
    {
        using var tmp = new TempWorkspace(Engine);
        var one = Open(tmp, "ndjson", "add");
        var two = Open(tmp, "ndjson", "add");
        for (var i = 1; i <= 8; i++)
        {
            string[] columns = i % 2 == 0 ? ["id", "name", "color", "size", "at"] : ["id", "name", "color", "at"];
            Land(tmp, $"f{i}.ndjson", File("ndjson", columns, [$"{i}", $"n{i}", $"c{i}", .. (i % 2 == 0 ? (string[])[$"s{i}"] : []), "2026-01-01T10:00:00Z"]));
        }

        await Pipelines.DrainAsync(one, new FakeTimeProvider(Now), Stages.Ingest);
        await Task.WhenAll(
            Task.Run(() => Pipelines.DrainAsync(one, new FakeTimeProvider(Now), Stages.Load | Stages.Tasks)),
            Task.Run(() => Pipelines.DrainAsync(two, new FakeTimeProvider(Now), Stages.Load | Stages.Tasks)));

        // Whichever worker ran the last task run, the SCD tables hold every value (a run that lost the task lock left
        // its rows to the other; a last drain applies anything left).
        await Pipelines.DrainAsync(one, new FakeTimeProvider(Now), Stages.Tasks);
        Assert.Equal(8, Db.Count(one, "SELECT count(*) FROM load_history WHERE status = 'LOADED' AND unknown_columns IS NULL"));
        Assert.Equal(["color|1", "size|1"], Db.Rows(one, "SELECT column_name, count(*) FROM schema_change GROUP BY column_name ORDER BY column_name"));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"{i}|c{i}|{(i % 2 == 0 ? $"s{i}" : "∅")}"),
            Db.Rows(one, "SELECT id, color, coalesce(size, '∅') FROM item ORDER BY id"));
    }
}
