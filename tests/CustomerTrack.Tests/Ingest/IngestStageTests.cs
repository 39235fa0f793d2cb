using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static CustomerTrack.Tests.Support.IngestHarness;

namespace CustomerTrack.Tests.Ingest;

public sealed partial class IngestStageTests
{
    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private const string Csv = """
        customer_id,first_name,updated_at,op
        1,Ada,2026-11-27T10:00:00Z,INSERT
        2,Grace,2026-11-27T10:00:01Z,INSERT

        """;

    [GeneratedRegex(@"^\d{4}/\d{2}/\d{2}/[A-Za-z0-9._-]+_[0-9a-f]{16}\.csv$")]
    private static partial Regex KeyShape();



    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task Dot_files_and_temporary_names_are_never_picked_up()
    {
        using var tmp = new TempWorkspace();
        var (stage, lake, _) = StartIngest(tmp, new FakeTimeProvider(Now));
        string[] unfinished = [".hidden.csv", "customers.csv.tmp", "customers.csv.part", "upload.CSV.PART", ".customers.csv.tmp"];
        foreach (var name in unfinished)
        {
            Put(tmp, name, Csv, Now.AddHours(-1));
        }

        Put(tmp, "complete.csv", Csv, Now.AddHours(-1));

        Assert.Equal(1, await stage.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));
        var stored = Assert.Single(lake.List());
        Assert.Equal("complete.csv", LakeKey.Parse(stored.Key).FileName);
        Assert.Equal(unfinished.Order(StringComparer.Ordinal), Directory.GetFiles(tmp.Landing).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_file_younger_than_the_minimum_age_is_left_until_it_is_old_enough()
    {
        using var tmp = new TempWorkspace();
        var time = new FakeTimeProvider(Now);
        var (stage, lake, _) = StartIngest(tmp, time, new() { ["Ingest:MinFileAge"] = "1s" });
        var path = Put(tmp, "young.csv", Csv, Now.AddMilliseconds(-100));

        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));
        Assert.True(File.Exists(path));
        Assert.Empty(lake.List());
        Assert.Equal(Now.AddMilliseconds(900), stage.NextDue);

        time.Advance(TimeSpan.FromMilliseconds(850));
        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));
        Assert.True(File.Exists(path));

        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, await stage.RunOnceAsync(CancellationToken.None));
        Assert.False(File.Exists(path));
        Assert.Single(lake.List());
        Assert.Null(stage.NextDue);
    }

    [Theory]
    [InlineData(".fresh.csv.tmp", false, true)] // the careful writer's rename: done
    [InlineData("fresh.csv.part", false, true)]
    [InlineData("other.csv", false, false)] // from a name ingest takes: no sign the writer is done
    [InlineData(".fresh.csv.tmp", true, false)] // written to after the rename: aged as any other file
    public async Task A_file_renamed_in_from_a_temporary_name_is_taken_without_waiting_out_the_minimum_age(string from, bool writtenAfter, bool atOnce)
    {
        using var tmp = new TempWorkspace();
        var time = new FakeTimeProvider(Now);
        var (stage, lake, _) = StartIngest(tmp, time, new() { ["Ingest:MinFileAge"] = "1s" });
        var temp = Put(tmp, from, Csv, Now);
        var path = Path.Combine(tmp.Landing, "fresh.csv");
        File.Move(temp, path);
        stage.Renamed(temp, path);
        if (writtenAfter)
        {
            File.AppendAllText(path, "3,Edsger,2026-11-27T10:00:02Z,INSERT\n");
            File.SetLastWriteTimeUtc(path, Now);
        }

        Assert.Equal(atOnce ? 1 : 0, await stage.RunOnceAsync(CancellationToken.None));
        Assert.Equal(atOnce, !File.Exists(path));

        // Otherwise it is only aged: taken once the minimum age has passed.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(atOnce ? 0 : 1, await stage.RunOnceAsync(CancellationToken.None));
        Assert.False(File.Exists(path));
        Assert.Single(lake.List());
    }

    [Fact]
    public async Task A_drain_waits_for_a_young_file_to_age_and_then_takes_it()
    {
        using var tmp = new TempWorkspace();
        var ws = tmp.Open(new Dictionary<string, string?> { ["Ingest:MinFileAge"] = "300ms" });
        var path = Path.Combine(tmp.Landing, "just_written.csv");
        File.WriteAllText(path, Csv);

        var drained = await Pipelines.DrainAsync(ws, stages: Stages.Ingest);

        Assert.Equal(1, drained.FilesIngested);
        Assert.False(File.Exists(path));
        var record = JsonSerializer.Deserialize<ProvenanceRecord>(Assert.Single(File.ReadAllLines(ws.ProvenanceFile)))!;
        Assert.True(record.ReceivedAt - record.LandedAt >= TimeSpan.FromMilliseconds(300),
            $"taken {(record.ReceivedAt - record.LandedAt).TotalMilliseconds} ms after it was written");
    }

    [Fact]
    public async Task A_symbolic_link_in_landing_is_ignored_and_never_followed()
    {
        using var tmp = new TempWorkspace();
        var (stage, lake, ws) = StartIngest(tmp, new FakeTimeProvider(Now));
        var outside = Path.Combine(tmp.Dir, "outside.csv");
        File.WriteAllText(outside, Csv);
        File.SetLastWriteTimeUtc(outside, Now.AddHours(-1));
        var link = Path.Combine(tmp.Landing, "link.csv");
        File.CreateSymbolicLink(link, outside);

        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));

        Assert.Empty(lake.List());
        Assert.Null(stage.NextDue);
        Assert.False(File.Exists(ws.ProvenanceFile));
        Assert.Equal(outside, new FileInfo(link).LinkTarget);
        Assert.Equal(Csv, File.ReadAllText(outside));
    }

    [Theory]
    [InlineData("customers_20261127.csv", "customers_20261127")]
    [InlineData("Kunden Müller 2026.csv", "Kunden-M-ller-2026")]
    [InlineData("客户.csv", "file")]
    [InlineData("../../etc/passwd.csv", "passwd")]
    [InlineData(@"..\..\windows\evil.csv", "windows-evil")]
    [InlineData("..csv", "file")]
    [InlineData("a..b.csv", "a..b")]
    [InlineData("no_extension", "no_extension")]
    public void A_lake_key_is_the_ingest_date_a_safe_name_and_sixteen_hash_characters(string fileName, string stem)
    {
        var sha = Sha256(Encoding.UTF8.GetBytes(fileName));
        var key = LakeKey.For(Now, fileName, sha);

        Assert.Equal($"2031/02/03/{stem}_{sha[..16]}.csv", key);
        Assert.Matches(KeyShape(), key);
        Assert.True(LakeKey.IsSafe(key));
        Assert.Equal(sha[..16], LakeKey.Parse(key).HashPrefix);

        var root = Path.Combine(Path.GetTempPath(), "ct-lake-root");
        var path = Path.GetFullPath(new FolderLake(root).PathOf(key));
        Assert.StartsWith(root + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../outside.csv")]
    [InlineData("2031/../../outside.csv")]
    [InlineData("2031/./x.csv")]
    [InlineData("/etc/passwd")]
    [InlineData("2031//x.csv")]
    [InlineData(@"2031\..\x.csv")]
    [InlineData("2031/02/03/a b.csv")]
    [InlineData("2031/02/03/müller.csv")]
    [InlineData("C:/x.csv")]
    public void A_key_that_could_leave_the_lake_is_not_safe_and_has_no_path(string key)
    {
        Assert.False(LakeKey.IsSafe(key));
        var e = Assert.Throws<CustomerTrackException>(() => new FolderLake("/tmp/lake").PathOf(key));
        Assert.Contains("not a safe relative key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_landing_file_is_removed_only_after_the_lake_object_exists()
    {
        using var tmp = new TempWorkspace();
        var (stage, lake, ws) = StartIngest(tmp, new FakeTimeProvider(Now));
        var path = Put(tmp, "customers.csv", Csv, Now.AddHours(-1));

        // The lake cannot take the object: a plain file stands where the key's date folder must go.
        var blocker = Path.Combine(ws.LakeRoot, "2031");
        File.WriteAllText(blocker, "");
        await Assert.ThrowsAnyAsync<IOException>(() => stage.RunOnceAsync(CancellationToken.None));

        Assert.Equal(Csv, File.ReadAllText(path));
        Assert.DoesNotContain(lake.List(), e => e.Key.Contains("customers", StringComparison.Ordinal));
        Assert.False(File.Exists(ws.ProvenanceFile));
        Assert.Empty(Directory.GetFiles(Path.Combine(ws.LakeRoot, ".incoming")));

        File.Delete(blocker);
        Assert.Equal(1, await stage.RunOnceAsync(CancellationToken.None));
        Assert.False(File.Exists(path));
        var stored = Assert.Single(lake.List());
        Assert.Equal(Csv, File.ReadAllText(lake.PathOf(stored.Key)));
    }

    [Fact]
    public async Task Each_file_gets_one_provenance_line_with_its_size_and_full_sha256()
    {
        using var tmp = new TempWorkspace();
        var (stage, lake, ws) = StartIngest(tmp, new FakeTimeProvider(Now));
        var contents = new Dictionary<string, byte[]>
        {
            ["a.csv"] = Encoding.UTF8.GetBytes(Csv),
            ["b.csv"] = Encoding.UTF8.GetBytes(Csv.Replace("Ada", "Adèle", StringComparison.Ordinal)),
            ["c.csv"] = Encoding.UTF8.GetBytes("customer_id\n" + string.Concat(Enumerable.Range(1, 20_000).Select(i => $"{i}\n"))),
        };
        foreach (var (name, bytes) in contents)
        {
            Put(tmp, name, "", Now.AddHours(-1));
            File.WriteAllBytes(Path.Combine(tmp.Landing, name), bytes);
            File.SetLastWriteTimeUtc(Path.Combine(tmp.Landing, name), Now.AddHours(-1));
        }

        Assert.Equal(3, await stage.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await stage.RunOnceAsync(CancellationToken.None));

        var lines = File.ReadAllLines(ws.ProvenanceFile);
        Assert.Equal(3, lines.Length);
        var records = lines.Select(l => JsonSerializer.Deserialize<ProvenanceRecord>(l)!).ToList();
        Assert.Equal(contents.Keys.Order(StringComparer.Ordinal), records.Select(r => r.File).Order(StringComparer.Ordinal));
        foreach (var record in records)
        {
            var bytes = contents[record.File];
            Assert.Equal(bytes.Length, record.Bytes);
            Assert.Equal(Sha256(bytes), record.Sha256);
            Assert.Equal(64, record.Sha256.Length);
            Assert.Equal(LakeKey.For(Now, record.File, record.Sha256), record.Key);
            Assert.Equal(bytes, File.ReadAllBytes(lake.PathOf(record.Key)));
            Assert.Equal(Now.AddHours(-1), record.LandedAt);
            Assert.Equal(Now, record.StoredAt);
        }
    }

    [Fact]
    public async Task A_file_sent_again_after_a_crash_between_lake_write_and_landing_delete_is_loaded_once()
    {
        using var tmp = new TempWorkspace();
        var ws = tmp.Open();
        var time = new FakeTimeProvider(Now);
        var path = tmp.Land("customers.csv", Csv);
        var landed = File.GetLastWriteTimeUtc(path);
        Assert.Equal(1, (await Pipelines.DrainAsync(ws, time, Stages.Ingest)).FilesIngested);

        // The crash: the lake holds the object, yet the landing copy (the same file, its time unchanged) is still there,
        // so ingest sends it again, under the same key.
        tmp.Land("customers.csv", Csv);
        File.SetLastWriteTimeUtc(path, landed);
        var resent = await Pipelines.DrainAsync(ws, time, Stages.Ingest | Stages.Load);
        Assert.Equal(1, resent.FilesIngested);
        Assert.Equal(1, resent.FilesLoaded);
        Assert.Single(new FolderLake(ws.LakeRoot).List());

        // Landed again after the load (a new landing, a new time): not loaded twice, and not dropped without a word
        // either: recorded LOAD_SKIPPED under a key of its own (issue 23).
        tmp.Land("customers.csv", Csv);
        var again = await Pipelines.DrainAsync(ws, time, Stages.Ingest | Stages.Load);
        Assert.Equal(1, again.FilesIngested);
        Assert.Equal(1, again.FilesLoaded);

        Assert.Equal(2, new FolderLake(ws.LakeRoot).List().Count);
        Assert.Empty(Directory.GetFiles(tmp.Landing));
        Assert.Equal(["customers.csv|LOADED|2", "customers.csv|LOAD_SKIPPED|0"],
            Db.Rows(ws, "SELECT file_name, status, rows_loaded FROM load_history ORDER BY loaded_at, file_key"));
        Assert.Equal(2, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        Assert.Equal(3, File.ReadAllLines(ws.ProvenanceFile).Length);
    }
}
