using System.Diagnostics;
using System.Globalization;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

public sealed class GenerateCommandTests
{
    private const string Header = "customer_id,first_name,last_name,email,street,city,state,country,updated_at,op";

    [Fact]
    public async Task Generate_writes_the_requested_files_and_rows_into_landing()
    {
        using var tmp = new TempWorkspace();
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync(
            "generate", "-w", tmp.Dir, "--files", "3", "--rows-per-file", "25", "--keys", "40", "--seed", "7", "--start", "2026-02-01T00:00:00Z"));
        Assert.Matches($@"^generate: 3 file\(s\), 75 rows into {System.Text.RegularExpressions.Regex.Escape(tmp.Dir)}/landing \(seed 7\) in \d+\.\d\d s$", Assert.Single(lines));

        var files = Directory.GetFiles(tmp.Landing).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["customers_7_20260201T000000_000001.csv", "customers_7_20260201T000001_000002.csv", "customers_7_20260201T000002_000003.csv"],
            files);
        var start = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var file in Directory.GetFiles(tmp.Landing))
        {
            var content = File.ReadAllLines(file);
            Assert.Equal(Header, content[0]);
            Assert.Equal(25, content.Length - 1);
            foreach (var row in content[1..])
            {
                var fields = row.Split(',');
                Assert.InRange(long.Parse(fields[0], CultureInfo.InvariantCulture), 1, 40);
                var at = DateTimeOffset.Parse(fields[^2], CultureInfo.InvariantCulture);
                // One second of event time per file; a late update may be stamped up to two seconds back.
                Assert.InRange(at, start.AddSeconds(-2), start.AddSeconds(3));
            }
        }
    }

    [Fact]
    public async Task Generate_with_the_same_seed_and_start_writes_byte_identical_files()
    {
        using var a = new TempWorkspace();
        using var b = new TempWorkspace();
        using var c = new TempWorkspace();
        string[] Args(TempWorkspace t, string seed) =>
            ["generate", "-w", t.Dir, "--files", "2", "--rows-per-file", "200", "--seed", seed, "--start", "2026-02-01T00:00:00Z"];
        CliAssert.Succeeded(await CliRunner.RunAsync(Args(a, "11")));
        CliAssert.Succeeded(await CliRunner.RunAsync(Args(b, "11")));
        CliAssert.Succeeded(await CliRunner.RunAsync(Args(c, "12")));

        var first = Directory.GetFiles(a.Landing).Order(StringComparer.Ordinal).ToList();
        var second = Directory.GetFiles(b.Landing).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, first.Count);
        Assert.Equal(first.Select(Path.GetFileName), second.Select(Path.GetFileName));
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(File.ReadAllBytes(first[i]), File.ReadAllBytes(second[i]));
        }

        var other = Directory.GetFiles(c.Landing).Order(StringComparer.Ordinal).ToList();
        Assert.NotEqual(File.ReadAllBytes(first[0]), File.ReadAllBytes(other[0]));
    }

    [Fact]
    public async Task Generate_every_interval_keeps_writing_files_until_the_duration_ends()
    {
        using var tmp = new TempWorkspace();
        var watch = Stopwatch.StartNew();
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync(
            "generate", "-w", tmp.Dir, "--every", "300ms", "--for", "2s", "--rows-per-file", "5", "--seed", "3"));
        // It keeps going until the duration is up (a lower bound only: a loaded machine may take longer, never shorter).
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"generate --for 2s ended after {watch.Elapsed}");

        // One at once, then one every 300 ms until two seconds are up: more than one, seven at most (the interval is
        // a minimum gap, so a loaded machine writes fewer, never more), and never closer together than the interval.
        var files = Directory.GetFiles(tmp.Landing);
        Assert.InRange(files.Length, 2, 7);
        var written = files.Select(File.GetLastWriteTimeUtc).Order().ToList();
        Assert.True(written[^1] - written[0] >= TimeSpan.FromMilliseconds(280 * (files.Length - 1)), string.Join(", ", written.Select(t => t.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture))));
        Assert.Matches($@"^generate: {files.Length} file\(s\), {files.Length * 5} rows into .*landing \(seed 3\)", Assert.Single(lines));
        Assert.All(files, f => Assert.Equal(6, File.ReadAllLines(f).Length));
        Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public async Task Generate_every_interval_with_a_file_count_stops_after_that_many()
    {
        using var tmp = new TempWorkspace();
        CliAssert.Succeeded(await CliRunner.RunAsync("generate", "-w", tmp.Dir, "--every", "100ms", "--files", "2", "--rows-per-file", "3"));
        Assert.Equal(2, Directory.GetFiles(tmp.Landing).Length);
    }

    [Theory]
    [InlineData("--files=0", "--keys, --files and --rows-per-file take positive numbers")]
    [InlineData("--rows-per-file=-5", "--keys, --files and --rows-per-file take positive numbers")]
    [InlineData("--keys=0", "--keys, --files and --rows-per-file take positive numbers")]
    [InlineData("--start=notatime", "--start 'notatime' is not an ISO 8601 timestamp")]
    [InlineData("--every=1x", "--every '1x' is not a duration")]
    [InlineData("--for=5parsecs", "--for '5parsecs' is not a duration")]
    [InlineData("--seed=lucky", "'lucky'")]
    public async Task Generate_refuses_numbers_durations_and_timestamps_it_cannot_use(string flag, string message)
    {
        using var tmp = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync("generate", "-w", tmp.Dir, flag), message);
        Assert.False(Directory.Exists(tmp.Landing) && Directory.EnumerateFiles(tmp.Landing).Any(), "nothing was generated");
    }
}
