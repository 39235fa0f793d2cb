using System.Collections.Concurrent;
using CustomerTrack.Contract;
using CustomerTrack.Generate;
using CustomerTrack.Ingest;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using nietras.SeparatedValues;

namespace CustomerTrack.Tests.Generate;

public sealed class GenerateStageTests
{
    private static readonly DateTime Start = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Header =
        ["customer_id", "first_name", "last_name", "email", "street", "city", "state", "country", "updated_at", "op"];

    /// <summary>Runs generate into a fresh landing/ and returns the files in the order they were written.</summary>
    private static async Task<List<string>> GenerateAsync(TempWorkspace tmp, GenerateOptions options, Action<string>? written = null)
    {
        var ws = tmp.Open();
        var files = new List<string>();
        var stage = new GenerateStage(ws, new FakeTimeProvider(Start), NullLogger.Instance);
        var made = await stage.RunAsync(options, CancellationToken.None, (f, _) =>
        {
            files.Add(f);
            written?.Invoke(f);
        });
        Assert.Equal(made.Files, files.Count);
        return files;
    }

    /// <summary>Every data row of the files, in feed order, as parsed by an RFC 4180 reader.</summary>
    private static List<string[]> ReadRows(IEnumerable<string> files)
    {
        var rows = new List<string[]>();
        foreach (var file in files)
        {
            using var reader = Sep.Reader(o => o with { Sep = new Sep(','), HasHeader = false, Unescape = true, DisableColCountCheck = true })
                .FromFile(file);
            var first = true;
            foreach (var row in reader)
            {
                var values = new string[row.ColCount];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = row[i].ToString();
                }

                if (first)
                {
                    Assert.Equal(Header, values);
                    first = false;
                    continue;
                }

                rows.Add(values);
            }
        }

        return rows;
    }

    private static GenerateOptions Feed(int seed = 5) =>
        new() { Seed = seed, Start = Start, Files = 4, RowsPerFile = 1500, Keys = 800 };

    [Fact]
    public async Task The_same_seed_and_start_give_byte_identical_files_and_another_seed_does_not()
    {
        using var a = new TempWorkspace();
        using var b = new TempWorkspace();
        using var c = new TempWorkspace();
        var first = await GenerateAsync(a, Feed() with { Files = 3, RowsPerFile = 300 });
        var second = await GenerateAsync(b, Feed() with { Files = 3, RowsPerFile = 300 });
        var other = await GenerateAsync(c, Feed(seed: 6) with { Files = 3, RowsPerFile = 300 });

        Assert.Equal(3, first.Count);
        Assert.Equal(first.Select(Path.GetFileName), second.Select(Path.GetFileName));
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(File.ReadAllBytes(first[i]), File.ReadAllBytes(second[i]));
            Assert.NotEqual(File.ReadAllText(first[i]), File.ReadAllText(other[i]));
        }
    }

    [Fact]
    public async Task Files_mix_inserts_and_updates_with_a_small_share_of_deletes()
    {
        using var tmp = new TempWorkspace();
        var rows = ReadRows(await GenerateAsync(tmp, Feed()));

        var ops = rows.GroupBy(r => r[9]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["DELETE", "INSERT", "UPDATE"], ops.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4 * 1500, rows.Count);
        Assert.True(ops["INSERT"] > rows.Count / 10, $"{ops["INSERT"]} inserts");
        Assert.True(ops["UPDATE"] > rows.Count / 3, $"{ops["UPDATE"]} updates");
        Assert.InRange(ops["DELETE"], rows.Count / 1000, rows.Count / 20);

        // The population is bounded: inserts beyond it only bring deleted customers back.
        Assert.True(rows.Select(r => r[0]).Distinct().Count() <= 800);
    }

    [Fact]
    public async Task Every_row_has_a_customer_id_an_iso_8601_updated_at_and_an_op()
    {
        using var tmp = new TempWorkspace();
        var options = Feed();
        var rows = ReadRows(await GenerateAsync(tmp, options));

        var end = Start.AddSeconds(options.Files!.Value);
        foreach (var row in rows)
        {
            Assert.Equal(10, row.Length);
            Assert.True(long.TryParse(row[0], out var id) && id > 0, row[0]);
            Assert.True(EventTime.TryParse(row[8], out var at), $"updated_at '{row[8]}'");
            Assert.EndsWith("Z", row[8], StringComparison.Ordinal);

            // Late changes lie up to two seconds before the file's interval, never after it.
            Assert.InRange(at, Start.AddSeconds(-2), end);
            // The canonical op names, never UPSERT (the generator says what each change is).
            Assert.Contains(row[9], (string[])[ChangeOp.Insert, ChangeOp.Update, ChangeOp.Delete]);
        }
    }

    [Fact]
    public async Task An_update_changes_one_to_three_attributes_of_that_customers_previous_row()
    {
        using var tmp = new TempWorkspace();
        var rows = ReadRows(await GenerateAsync(tmp, Feed()));

        var previous = new Dictionary<string, string[]>();
        var updates = 0;
        var changedCounts = new HashSet<int>();
        foreach (var row in rows)
        {
            var id = row[0];
            var attributes = row[1..8];
            previous.TryGetValue(id, out var before);
            switch (row[9])
            {
                case ChangeOp.Insert:
                    Assert.True(before is null || before[7] == ChangeOp.Delete, $"customer {id} inserted while live");
                    break;
                case ChangeOp.Update:
                    Assert.True(before is not null && before[7] != ChangeOp.Delete, $"customer {id} updated while not live");
                    var changed = Enumerable.Range(0, 7).Count(i => attributes[i] != before![i]);
                    Assert.True(changed is >= 1 and <= 3,
                        $"update of customer {id} at {row[8]} changed {changed} attributes: [{string.Join("|", before![..7])}] -> [{string.Join("|", attributes)}]");
                    changedCounts.Add(changed);
                    updates++;
                    break;
                case ChangeOp.Delete:
                    Assert.True(before is not null && before[7] != ChangeOp.Delete, $"customer {id} deleted while not live");
                    Assert.Equal(before![..7], attributes);
                    break;
                default:
                    Assert.Fail($"unexpected op {row[9]}");
                    break;
            }

            previous[id] = [.. attributes, row[9]];
        }

        Assert.True(updates > 1000, $"{updates} updates");
        Assert.Contains(1, changedCounts);
        Assert.Contains(3, changedCounts);
    }

    [Fact]
    public async Task Files_appear_under_their_final_name_only_by_renaming_a_dot_named_temporary_file()
    {
        using var tmp = new TempWorkspace();
        Directory.CreateDirectory(tmp.Landing);
        var written = new ConcurrentQueue<string>();
        var renamed = new ConcurrentQueue<(string From, string To)>();
        using var watcher = new FileSystemWatcher(tmp.Landing);
        watcher.Created += (_, e) => written.Enqueue(e.Name!);
        watcher.Changed += (_, e) => written.Enqueue(e.Name!);
        watcher.Renamed += (_, e) => renamed.Enqueue((e.OldName!, e.Name!));
        watcher.EnableRaisingEvents = true;

        var seenComplete = new List<string>();
        var files = await GenerateAsync(tmp, Feed() with { Files = 5, RowsPerFile = 3000 }, file =>
        {
            // When a file is announced, everything under a final name in landing/ is complete.
            foreach (var f in Directory.GetFiles(tmp.Landing).Where(f => !Path.GetFileName(f).StartsWith('.')))
            {
                var text = File.ReadAllText(f);
                Assert.EndsWith("\n", text, StringComparison.Ordinal);
                Assert.Equal(3001, text.Count(ch => ch == '\n'));
            }

            seenComplete.Add(file);
        });

        await CliRunner.WaitUntilAsync(() => renamed.Count >= files.Count, "a rename event per file", seconds: 10);
        Assert.Equal(5, seenComplete.Count);
        Assert.NotEmpty(written);
        Assert.All(written, name => Assert.StartsWith(".", name, StringComparison.Ordinal));
        Assert.All(written, name => Assert.False(IngestStage.IsCandidateName(name), $"ingest would take {name}"));
        Assert.Equal(files.Select(Path.GetFileName).Order(StringComparer.Ordinal), renamed.Select(r => r.To).Order(StringComparer.Ordinal));
        Assert.All(renamed, r => Assert.Equal("." + r.To + ".tmp", r.From));
        Assert.Empty(Directory.GetFiles(tmp.Landing, ".*"));
    }

    [Fact]
    public async Task The_csv_is_comma_separated_and_fields_containing_commas_are_quoted()
    {
        using var tmp = new TempWorkspace();
        var files = await GenerateAsync(tmp, Feed() with { Files = 2 });
        var lines = files.SelectMany(f => File.ReadAllLines(f).Skip(1)).ToList();
        var rows = ReadRows(files);

        Assert.Equal(string.Join(",", Header), File.ReadLines(files[0]).First());
        Assert.Equal(lines.Count, rows.Count);
        var withComma = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(10, rows[i].Length);

            // Writing the parsed fields back the RFC 4180 way gives the line exactly: quotes where needed, nowhere else.
            var expected = string.Join(",", rows[i].Select(v =>
                v.Contains(',', StringComparison.Ordinal) || v.Contains('"', StringComparison.Ordinal)
                    ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
                    : v));
            Assert.Equal(expected, lines[i]);
            withComma += rows[i].Count(v => v.Contains(',', StringComparison.Ordinal));
        }

        Assert.True(withComma > 0, "the feed should hold values with commas (\"Virgin Islands, British\")");
        Assert.DoesNotContain(lines, l => l.Contains('\t', StringComparison.Ordinal) || l.Contains(';', StringComparison.Ordinal));
    }
}
