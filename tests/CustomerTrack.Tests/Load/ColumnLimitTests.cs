using CustomerTrack.Configuration;
using CustomerTrack.Tables;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// Issue 23, "Stuck, while everything says healthy": a table carries at most <see cref="TableDefinition.MaxColumns"/>
/// columns. A file that brings the table up to it loads and its task runs on both engines; a file that would take it past
/// is LOAD_FAILED with the reason, and the files after it load.
/// </summary>
public sealed class ColumnLimitTests
{
    private static string Csv(int extra, int from, long id) =>
        "id,v" + string.Concat(Enumerable.Range(from, extra).Select(i => $",c{i}")) + "\n"
        + $"{id},x" + string.Concat(Enumerable.Range(from, extra).Select(i => $",{i}")) + "\n";

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_file_past_the_column_limit_is_set_aside_and_the_rest_goes_on(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), """
            { "Tables": { "w": { "Key": ["id"], "Columns": { "id": "int64", "v": "string" }, "SchemaEvolution": "add" } } }
            """);
        var folder = Path.Combine(tmp.Landing, "w");
        Directory.CreateDirectory(folder);
        var upTo = TableDefinition.MaxColumns - 2;
        File.WriteAllText(Path.Combine(folder, "a_up_to_the_limit.csv"), Csv(upTo, 0, 1));
        File.WriteAllText(Path.Combine(folder, "b_one_past.csv"), Csv(1, upTo, 2));
        File.WriteAllText(Path.Combine(folder, "c_plain.csv"), "id,v\n3,y\n");
        foreach (var f in Directory.GetFiles(folder))
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddSeconds(-5));
        }

        var run = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);

        Assert.True(run.Code == 3, run.ToString());
        var ws = tmp.Open();
        var files = Db.Rows(ws, "SELECT file_name, status, error FROM load_history ORDER BY file_name");
        Assert.Equal(3, files.Count);
        Assert.StartsWith("a_up_to_the_limit.csv|LOADED|", files[0], StringComparison.Ordinal);
        Assert.StartsWith("b_one_past.csv|LOAD_FAILED|", files[1], StringComparison.Ordinal);
        Assert.Contains($"the file brings 1 new column(s) (c{upTo}); with them table w would have {TableDefinition.MaxColumns + 1} columns, more than the {TableDefinition.MaxColumns} a table may have", files[1], StringComparison.Ordinal);
        Assert.StartsWith("c_plain.csv|LOADED|", files[2], StringComparison.Ordinal);

        // The task carried the widest table: both loaded files' keys are current, with the widest file's last value.
        Assert.Equal([$"1|x|{upTo - 1}", "3|y|∅"], Db.Rows(ws, $"SELECT id, v, c{upTo - 1} FROM w ORDER BY id"));
        Assert.Equal(TableDefinition.MaxColumns + 4, Db.Query(ws, "SELECT * FROM w_history LIMIT 1").Columns.Count);
    }

    [Fact]
    public void A_definition_past_the_column_limit_is_refused_at_start_up()
    {
        using var tmp = new TempWorkspace();
        var columns = string.Join(", ", Enumerable.Range(0, TableDefinition.MaxColumns).Select(i => $"\"c{i}\": \"string\""));
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), $$"""
            { "Tables": { "w": { "Key": ["id"], "Columns": { "id": "int64", {{columns}} } } } }
            """);

        var e = Assert.Throws<SettingsException>(() => tmp.Open());

        Assert.Equal("Tables:w:Columns", e.Setting);
        Assert.Contains($"names {TableDefinition.MaxColumns + 1} columns besides the event time and op; a table has at most {TableDefinition.MaxColumns}", e.Message, StringComparison.Ordinal);
    }
}
