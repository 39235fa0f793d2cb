using CustomerTrack.Configuration;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Tables;

/// <summary>The README's "Defining a table": init on a sample, generate for the table, run --once, then history.</summary>
public sealed class DefineTableEndToEndTests
{
    [Fact]
    public async Task A_table_inferred_by_init_and_fed_by_generate_loads_and_keeps_history()
    {
        using var tmp = new TempWorkspace();
        using var sample = new SampleFile(tmp, "products.csv", """
            sku,region,name,price,launched,stock,active,changed_at,kind
            A-1,EU,Widget,12.50,2024-01-02,5,true,2026-03-01T09:00:00Z,c
            A-2,US,Gadget,3.25,2023-05-06,7,false,2026-03-01T10:00:00Z,c
            A-1,EU,Widget,11.90,2024-01-02,4,true,2026-03-02T09:00:00Z,u
            A-2,US,Gadget,3.25,2023-05-06,7,false,2026-03-03T09:00:00Z,d

            """);
        CliAssert.Succeeded(await CliRunner.RunAsync(["init", "--from", sample.Path, "--table", "product", "--key", "sku", "--key", "region", .. tmp.CliArgs()]));
        CliAssert.Succeeded(await CliRunner.RunAsync(["generate", "--table", "product", "--files", "2", "--rows-per-file", "100", "--keys", "20",
            "--seed", "4", "--start", "2026-04-01T00:00:00Z", .. tmp.CliArgs()]));
        var folder = Path.Combine(tmp.Landing, "product");
        File.Copy(sample.Path, Path.Combine(folder, "sample.csv"));
        foreach (var f in Directory.GetFiles(folder))
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddSeconds(-5));
        }

        var run = CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));

        // The task's progress line names the table and counts its keys (customers are the customer table's).
        var tasks = run.Where(l => l.StartsWith("  task", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(tasks);
        Assert.All(tasks, l => Assert.Matches(@"^  task  product  run \d+ +ledger \(\d+, \d+\]  \d+ rows  \d+ keys  \d+ versions  \d+ ties  \d+ ms$", l));

        var raw = CliAssert.Succeeded(await CliRunner.RunAsync(["query", "SELECT count(*) AS n FROM product_raw", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(["n", "204"], raw);
        var history = CliAssert.Succeeded(await CliRunner.RunAsync(
            ["history", "--table", "product", "--key", "sku=A-1", "--key", "region=EU", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(
            [
                "sku,region,name,price,launched,stock,active,start_time,end_time,is_current,is_deleted",
                "A-1,EU,Widget,12.5,2024-01-02,5,true,2026-03-01 09:00:00,2026-03-02 09:00:00,false,false",
                "A-1,EU,Widget,11.9,2024-01-02,4,true,2026-03-02 09:00:00,9999-12-31 00:00:00,true,false",
            ],
            history);

        // A-2 was deleted by the sample's last row: no current row, its version closed.
        var current = CliAssert.Succeeded(await CliRunner.RunAsync(["query", "SELECT count(*) AS n FROM product WHERE sku = 'A-2'", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(["n", "0"], current);
    }

    /// <summary>
    /// A sample of keys only (a membership list: who is in which group, when, and when they left) makes a table with no
    /// attribute through init; its files load and its history keeps each membership as one version, closed by a leave.
    /// </summary>
    [Fact]
    public async Task A_key_only_table_inferred_by_init_keeps_each_membership_as_a_version()
    {
        using var tmp = new TempWorkspace();
        using var sample = new SampleFile(tmp, "members.csv", """
            group_id,member_id,changed_at,op
            1,10,2026-03-01T09:00:00Z,add
            1,11,2026-03-01T09:30:00Z,add
            1,10,2026-03-02T09:00:00Z,add
            1,11,2026-03-03T09:00:00Z,remove

            """);
        CliAssert.Succeeded(await CliRunner.RunAsync(
            ["init", "--from", sample.Path, "--table", "membership", "--key", "group_id", "--key", "member_id", .. tmp.CliArgs()]));
        var table = SettingsLoader.Load(tmp.Dir).Table("membership");
        Assert.Empty(table.Attributes);
        Assert.Equal(["group_id", "member_id"], table.Key.Select(k => k.Name));

        var folder = Path.Combine(tmp.Landing, "membership");
        File.Copy(sample.Path, Path.Combine(folder, "sample.csv"));
        File.SetLastWriteTimeUtc(Path.Combine(folder, "sample.csv"), DateTime.UtcNow.AddSeconds(-5));
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));

        // Added again, nothing changes (no attribute moved); removed, the membership closes.
        var history = CliAssert.Succeeded(await CliRunner.RunAsync(["query",
            "SELECT member_id, start_time, end_time, is_current FROM membership_history ORDER BY member_id, start_time", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(
            [
                "member_id,start_time,end_time,is_current",
                "10,2026-03-01 09:00:00,9999-12-31 00:00:00,true",
                "11,2026-03-01 09:30:00,2026-03-03 09:00:00,false",
            ],
            history);
        var current = CliAssert.Succeeded(await CliRunner.RunAsync(["query", "SELECT group_id, member_id FROM membership", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(["group_id,member_id", "1,10"], current);
    }

    /// <summary>A sample file beside the workspace (not in it: init reads it from anywhere), removed with the test.</summary>
    private sealed class SampleFile : IDisposable
    {
        public SampleFile(TempWorkspace tmp, string name, string content)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(tmp.Dir)!, System.IO.Path.GetFileName(tmp.Dir) + "-" + name);
            File.WriteAllText(Path, content.ReplaceLineEndings("\n"));
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
