using System.Globalization;
using CustomerTrack.Configuration;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Generate;

public sealed class GenerateTableTests
{
    /// <summary>A composite string key, decimal, date, bool and integer attributes, an event time and a mapped op column.</summary>
    private static string Settings(string format, string dialect) => $$"""
        {
          "Tables": {
            "product": {
              "Format": "{{format}}", {{dialect}}
              "Key": ["sku", "region"],
              "Columns": { "sku": "string", "changed_at": "timestamp", "region": "string", "name": "string", "price": "decimal(12,2)",
                           "launched": "date", "stock": "int64", "shelf": "int32", "active": "bool" },
              "EventTime": "changed_at",
              "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE", "d": "DELETE" } }
            }
          }
        }
        """;

    /// <summary>The file's columns in the order the definition writes them (a file without a header row is read so).</summary>
    private const string Types = "sku VARCHAR, changed_at TIMESTAMP, region VARCHAR, name VARCHAR, price DECIMAL(12,2), launched DATE, stock BIGINT, shelf INTEGER, active BOOLEAN, kind VARCHAR";

    // format, extra settings, the DuckDB reader for one file (its path is {0}) with the definition's types.
    [Theory]
    [InlineData("csv", "", "csv", "read_csv({0}, header = true, auto_detect = false, columns = {{{1}}})")]
    [InlineData("csv", "\"Delimiter\": \";\", \"Quote\": \"\",", "csv", "read_csv({0}, delim = ';', quote = '', escape = '', header = true, auto_detect = false, columns = {{{1}}})")]
    [InlineData("csv", "\"Delimiter\": \"\\\\t\", \"Header\": false,", "csv", "read_csv({0}, delim = '\t', header = false, auto_detect = false, columns = {{{1}}})")]
    [InlineData("ndjson", "", "ndjson", "read_json({0}, format = 'newline_delimited', columns = {{{1}}})")]
    [InlineData("parquet", "", "parquet", "read_parquet({0})")]
    public async Task Generate_table_writes_changes_that_fit_the_definition(string format, string dialect, string extension, string reader)
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings(format, dialect));
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync(Args(tmp, "5")));
        Assert.Matches($@"^generate: 3 file\(s\), 600 rows into {System.Text.RegularExpressions.Regex.Escape(tmp.Dir)}/landing/product \(seed 5\)", Assert.Single(lines));

        var folder = Path.Combine(tmp.Landing, "product");
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [$"product_5_20260201T000000_000001.{extension}", $"product_5_20260201T000001_000002.{extension}", $"product_5_20260201T000002_000003.{extension}"],
            files.Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(tmp.Landing));

        var columns = string.Join(", ", Types.Split(", ").Select(c => c.Split(' ', 2)).Select(c => $"'{c[0]}': '{c[1]}'"));
        if (format == "parquet")
        {
            // Parquet carries its own types: they must be the definition's.
            var described = DuckFiles.Rows($"DESCRIBE SELECT * FROM read_parquet({DuckFiles.Literal(files[0])})");
            Assert.Equal(Types, string.Join(", ", described.Select(r => $"{r[0]} {r[1]}")));
        }

        var seen = new Dictionary<string, string>();
        var live = new HashSet<string>();
        var kinds = new Dictionary<string, int>();
        foreach (var file in files)
        {
            // Read with the definition's types: a value that does not fit fails the read.
            var sql = string.Format(CultureInfo.InvariantCulture, reader, DuckFiles.Literal(file), columns);
            var rows = DuckFiles.Rows($"SELECT sku, region, price, changed_at, kind FROM {sql}");
            Assert.Equal(200, rows.Count);
            DateTime? previous = null;
            foreach (var row in rows)
            {
                var (sku, region, kind) = ((string)row[0]!, (string)row[1]!, (string)row[4]!);
                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;

                // The first key column tells keys apart: a sku keeps its region.
                Assert.Equal(seen.TryAdd(sku, region) ? region : seen[sku], region);
                Assert.True(kind == "c" || live.Contains(sku), $"{kind} of {sku} before its insert");
                _ = kind == "d" ? live.Remove(sku) : live.Add(sku);
                Assert.InRange((decimal)row[2]!, 0m, 1000m);

                var at = (DateTime)row[3]!;
                Assert.True(previous is null || at > previous, $"event time {at:O} after {previous:O}");
                previous = at;
            }
        }

        Assert.Equal(["c", "d", "u"], kinds.Keys.Order(StringComparer.Ordinal));
        Assert.InRange(seen.Count, 2, 50);
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("ndjson")]
    [InlineData("parquet")]
    public async Task Generate_table_with_the_same_seed_and_start_writes_byte_identical_files(string format)
    {
        using var a = new TempWorkspace();
        using var b = new TempWorkspace();
        using var c = new TempWorkspace();
        foreach (var (t, seed) in new[] { (a, "9"), (b, "9"), (c, "10") })
        {
            File.WriteAllText(Path.Combine(t.Dir, SettingsLoader.FileName), Settings(format, ""));
            CliAssert.Succeeded(await CliRunner.RunAsync(Args(t, seed)));
        }

        byte[][] Files(TempWorkspace t) => [.. Directory.GetFiles(Path.Combine(t.Landing, "product")).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        var first = Files(a);
        Assert.Equal(3, first.Length);
        Assert.Equal(first, Files(b));
        Assert.NotEqual(first[0], Files(c)[0]);
    }

    [Fact]
    public async Task Generate_table_names_the_tables_there_are_when_the_table_is_unknown()
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings("csv", ""));
        CliAssert.OneLineError(await CliRunner.RunAsync("generate", "-w", tmp.Dir, "--table", "nope"), "no table 'nope'; the tables are product");
    }

    public static TheoryData<string, string, Engine> Decimals()
    {
        var data = new TheoryData<string, string, Engine>();
        foreach (var type in (string[])["decimal(38,30)", "decimal(38,0)", "decimal(38,38)", "decimal(29,28)", "decimal(1,0)"])
        {
            foreach (var format in (string[])["csv", "ndjson", "parquet"])
            {
                data.Add(type, format, format == "csv" ? Engine.Postgres : Engine.DuckDb);
            }
        }

        return data;
    }

    /// <summary>Every decimal a definition may declare (precision up to 38, any scale): generate writes values that load, none rejected.</summary>
    [Theory]
    [MemberData(nameof(Decimals))]
    public async Task Generate_table_writes_values_that_load_for_every_decimal_a_definition_may_declare(string type, string format, Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), $$"""
            { "Tables": { "product": { "Format": "{{format}}", "Key": ["sku"], "Columns": { "sku": "string", "price": "{{type}}" } } } }
            """);
        CliAssert.Succeeded(await CliRunner.RunAsync(["generate", "-w", tmp.Dir, "--table", "product", "--files", "1", "--rows-per-file", "50", "--seed", "3"]));

        var ws = tmp.Open();
        await Pipelines.DrainAsync(ws, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1)), Stages.Ingest | Stages.Load);
        Assert.Equal(["LOADED|50|0"], Db.Rows(ws, "SELECT status, rows_loaded, rows_rejected FROM load_history"));
    }

    private static string[] Args(TempWorkspace t, string seed) =>
        ["generate", "-w", t.Dir, "--table", "product", "--files", "3", "--rows-per-file", "200", "--keys", "50", "--seed", seed, "--start", "2026-02-01T00:00:00Z"];
}
