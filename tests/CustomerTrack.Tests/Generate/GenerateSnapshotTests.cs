using System.Globalization;
using CustomerTrack.Configuration;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Generate;

/// <summary>
/// <c>generate --table T</c> of a snapshot table (docs/semantics.md, rule 16): each step an extract of the whole table at
/// one moment, in files of whole partitions, that loads with no reject and no guard trip, and whose absent keys the
/// pipeline deletes.
/// </summary>
public sealed class GenerateSnapshotTests
{
    private static readonly DateTime Start = new(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc);

    private static string Settings(string format, bool partitioned, bool op) => $$"""
        {
          "Tables": {
            "product": {
              "Format": "{{format}}", "Mode": "snapshot",
              "Key": ["sku"],
              "Columns": { "sku": "string", "region": "string", "name": "string", "price": "decimal(12,2)", "stock": "int64", "changed_at": "timestamp" },
              "EventTime": "changed_at"
              {{(partitioned ? """, "Snapshot": { "Partition": ["region"] }""" : "")}}
              {{(op ? """, "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE", "d": "DELETE" } }""" : "")}}
            }
          }
        }
        """;

    private static string Reader(string format, string path) => format switch
    {
        "ndjson" => $"read_json({DuckFiles.Literal(path)}, format = 'newline_delimited')",
        "parquet" => $"read_parquet({DuckFiles.Literal(path)})",
        _ => $"read_csv({DuckFiles.Literal(path)}, header = true, all_varchar = true)",
    };

    // 200 changes between extracts of about 40 keys: some of them deletes, whatever the seed.
    private static string[] Args(TempWorkspace t, string seed) =>
        ["generate", "-w", t.Dir, "--table", "product", "--files", "5", "--rows-per-file", "200", "--keys", "40", "--seed", seed, "--start", "2026-02-01T00:00:00Z"];

    // format, partitioned by region, an op column, engine
    [Theory]
    [InlineData("csv", false, false, Engine.DuckDb)]
    [InlineData("csv", true, true, Engine.Postgres)]
    [InlineData("ndjson", true, false, Engine.DuckDb)]
    [InlineData("parquet", true, true, Engine.DuckDb)]
    [InlineData("parquet", false, false, Engine.Postgres)]
    public async Task Generated_extracts_load_whole_and_the_keys_they_leave_out_are_deleted(string format, bool partitioned, bool op, Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings(format, partitioned, op));
        CliAssert.Succeeded(await CliRunner.RunAsync(Args(tmp, "11")));

        // Each file: one moment, its step's (the step's number is in its name), and whole partitions.
        var extracts = new SortedDictionary<int, List<string>>();
        var partitionFile = new Dictionary<(int, string), string>();
        foreach (var file in Directory.GetFiles(Path.Combine(tmp.Landing, "product")).Order(StringComparer.Ordinal))
        {
            var step = int.Parse(Path.GetFileNameWithoutExtension(file).Split('_')[3], CultureInfo.InvariantCulture);
            var rows = DuckFiles.Rows($"SELECT sku, region, CAST(changed_at AS VARCHAR) FROM {Reader(format, file)}");
            Assert.NotEmpty(rows);
            var moment = Start.AddSeconds(step - 1);
            Assert.All(rows, r => Assert.Equal(moment, DateTime.Parse((string)r[2]!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)));
            foreach (var row in rows)
            {
                Assert.Equal(file, partitionFile.TryAdd((step, (string)row[1]!), file) ? file : partitionFile[(step, (string)row[1]!)]);
            }

            extracts.TryAdd(step, []);
            extracts[step].AddRange(rows.Select(r => (string)r[0]!));
        }

        Assert.Equal([1, 2, 3, 4, 5], extracts.Keys);
        Assert.All(extracts.Values, keys => Assert.Equal(keys.Count, keys.Distinct().Count()));
        var absent = extracts.Keys.Skip(1).SelectMany(s => extracts[s - 1].Except(extracts[s])).ToList();
        Assert.NotEmpty(absent);

        var ws = tmp.Open();
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1)), Stages.Ingest | Stages.Load | Stages.Tasks);
        Assert.Equal(["LOADED|0"], Db.Rows(ws, "SELECT DISTINCT status, rows_rejected FROM load_history"));
        Assert.True(Db.Count(ws, $"SELECT count(*) FROM product_raw WHERE _line = 0 AND {(op ? "kind" : "_op")} = 'DELETE'") >= absent.Count);

        // At each extract's moment the table holds its keys and no other; now, the last extract's.
        foreach (var (step, keys) in extracts)
        {
            var at = Start.AddSeconds(step - 1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            Assert.Equal(keys.Order(StringComparer.Ordinal), Db.Rows(ws,
                $"SELECT sku FROM product_history WHERE start_time <= TIMESTAMP '{at}' AND end_time > TIMESTAMP '{at}' AND NOT is_deleted").Order(StringComparer.Ordinal));
        }

        Assert.Equal(extracts[5].Order(StringComparer.Ordinal), Db.Rows(ws, "SELECT sku FROM product").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("parquet")]
    public async Task Generated_extracts_with_the_same_seed_are_byte_identical(string format)
    {
        using var a = new TempWorkspace();
        using var b = new TempWorkspace();
        using var c = new TempWorkspace();
        foreach (var (t, seed) in new[] { (a, "9"), (b, "9"), (c, "10") })
        {
            File.WriteAllText(Path.Combine(t.Dir, SettingsLoader.FileName), Settings(format, partitioned: true, op: false));
            CliAssert.Succeeded(await CliRunner.RunAsync(Args(t, seed)));
        }

        List<string> Files(TempWorkspace t) =>
            [.. Directory.GetFiles(Path.Combine(t.Landing, "product")).Order(StringComparer.Ordinal)
                .Select(f => Path.GetFileName(f).Replace("_10_", "_9_", StringComparison.Ordinal) + " " + Convert.ToBase64String(File.ReadAllBytes(f)))];
        var first = Files(a);
        Assert.True(first.Count >= 5, $"{first.Count} files");
        Assert.Equal(first, Files(b));
        Assert.NotEqual(first, Files(c));
    }
}
