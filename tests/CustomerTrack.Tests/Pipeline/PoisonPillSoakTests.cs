using System.Text;
using System.Text.Json;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// The poison-pill soak (issue 12, "Done when"): one file of each poison kind among fifty good ones, run as an
/// unprivileged user (so that one landing file can be unreadable to it). <c>run --once</c> loads every good row exactly
/// once, accounts for every bad file in load_history (or, the unreadable one, in status), and exits 3; a following
/// <c>run --for 10s</c> neither reloads nor re-reports a file set aside, and tries the unreadable file no more often
/// than its back-off allows. Attempts are counted from the log and the back-off state, not from timings.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class PoisonPillSoakTests
{
    protected abstract Engine Engine { get; }

    private const string Header = "customer_id,first_name,street\n";
    private const int GoodFiles = 50;
    private const int RowsPerGoodFile = 20;

    private static byte[] Bytes(params object[] parts) =>
        [.. parts.SelectMany(p => p switch { string s => Encoding.UTF8.GetBytes(s), byte[] b => b, _ => throw new ArgumentException($"{p}") })];

    /// <summary>Each poison file, what load_history must say of it (status|rows_in_file|rows_loaded|rows_rejected) and its good rows.</summary>
    private static readonly (string Name, byte[] Content, string History, int GoodRows)[] Poison =
    [
        ("stray_quotes.csv", Bytes(Header, "9001,Ann,12\" Main St\n9002,Eve,Oak 5\n9003,Bob,Elm 3\"\n"), "LOADED|3|3|0", 3),
        ("unclosed_quote.csv", Bytes(Header, "9011,Ann,\"", new string('x', 2_000_000), "\n9012,Bob,x\n"), "LOAD_FAILED|1|0|1", 0),
        ("huge_field.csv", Bytes(Header, "9021,Ann,", new string('y', 1_500_000), "\n9022,Eve,ok\n"), "PARTIALLY_LOADED|2|1|1", 1),
        ("wide_header.csv", Bytes(Header.TrimEnd('\n'), ",", string.Join(",", Enumerable.Range(0, 1_000_000).Select(i => $"c{i}")), "\n9031,Ann,x\n"),
            "LOAD_FAILED|1|0|1", 0),
        ("broken_header.csv", Bytes("customer_id,\"first_name\"x\n9041,Ann\n"), "LOAD_FAILED|1|0|1", 0),
        ("bad_utf8.csv", Bytes(Header, "9051,Z", new byte[] { 0xFC }, "rich,x\n9052,Eve\uFFFD,y\n"), "PARTIALLY_LOADED|2|1|1", 1),
        ("nul.csv", Bytes(Header, "9061,A", new byte[] { 0 }, "n,x\n9062,Eve,y\n"), "PARTIALLY_LOADED|2|1|1", 1),
        ("many_fields.csv", Bytes(Header, "9071,", string.Join(",", Enumerable.Repeat("f", 100_000)), "\n9072,Eve,y\n"), "PARTIALLY_LOADED|2|1|1", 1),
        ("empty.csv", [], "LOAD_FAILED|0|0|0", 0),
        ("json.csv", Bytes("{\"customer_id\": 9091}\n"), "LOAD_FAILED|0|0|0", 0),
        ("open_end.csv", Bytes("customer_id,first_name,updated_at\n9101,Ann,9999-12-31T00:00:00Z\n9102,Eve,2026-01-01T00:00:00Z\n"),
            "PARTIALLY_LOADED|2|1|1", 1),
    ];

    [Fact]
    public async Task One_file_of_each_poison_kind_among_fifty_good_ones_is_accounted_for_and_nothing_is_retried_past_its_back_off()
    {
        OtherUser.Ensure();
        using var tmp = new TempWorkspace(Engine);

        // A lake object that no longer matches the hash in its key: ingested first, then changed in the lake.
        tmp.Land("damaged.csv", Header + "9111,Ann,x\n");
        await Pipelines.DrainAsync(tmp.Open(), TimeProvider.System, Stages.Ingest);
        await File.AppendAllTextAsync(Directory.GetFiles(tmp.Open().LakeRoot, "damaged_*.csv", SearchOption.AllDirectories).Single(), "9112,Eve,y\n");

        for (var f = 0; f < GoodFiles; f++)
        {
            var rows = Enumerable.Range(1, RowsPerGoodFile).Select(r => $"{(f * 100) + r},N{f}_{r},S{r}\n");
            tmp.Land($"good_{f:D2}.csv", Header + string.Concat(rows));
        }

        // One good file with a modification time ten minutes ahead: its age counts from when it was first seen.
        File.SetLastWriteTimeUtc(Path.Combine(tmp.Landing, "good_49.csv"), DateTime.UtcNow.AddMinutes(10));
        foreach (var (name, content, _, _) in Poison)
        {
            var path = Path.Combine(tmp.Landing, name);
            await File.WriteAllBytesAsync(path, content);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-5));
        }

        // The pipeline runs as the other user, who may not read secret.csv.
        var secret = tmp.Land("secret.csv", Header + "9121,Ann,x\n");
        Assert.Equal(0, OtherUser.Run("chown", "-R", OtherUser.Name, tmp.Dir).Code);
        Assert.Equal(0, OtherUser.Run("chown", "root", secret).Code);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var once = await OtherUser.CliAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(once.Code == 3, once.ToString());
        Assert.Contains("1 landing file(s) unreadable", once.Out, StringComparison.Ordinal);

        var ws = tmp.Open();
        var goodRows = (GoodFiles * RowsPerGoodFile) + Poison.Sum(p => p.GoodRows);
        Assert.Equal([$"{goodRows}|{goodRows}"], Db.Rows(ws, "SELECT count(*), count(DISTINCT customer_id) FROM customer_raw"));
        Assert.Equal(goodRows, Db.Count(ws, "SELECT count(*) FROM customer"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer_raw WHERE customer_id IN (9111, 9112, 9121)"));

        // Every file landed is in load_history exactly once, with what it held; the unreadable one waits in landing/.
        var history = Db.Rows(ws, "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected FROM load_history ORDER BY file_name");
        var expected = Poison.Select(p => $"{p.Name}|{p.History}")
            .Concat(Enumerable.Range(0, GoodFiles).Select(f => $"good_{f:D2}.csv|LOADED|{RowsPerGoodFile}|{RowsPerGoodFile}|0"))
            .Append("damaged.csv|LOAD_FAILED|0|0|0")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, history);
        Assert.Empty(Db.Rows(ws, """
            SELECT l.file_key FROM load_history l
            WHERE l.rows_in_file <> l.rows_loaded + l.rows_rejected
               OR l.rows_loaded <> (SELECT count(*) FROM customer_raw r WHERE r._file = l.file_key)
               OR l.rows_rejected <> (SELECT count(*) FROM load_rejects j WHERE j.file_key = l.file_key)
            """));
        Assert.Equal(["broken_header.csv", "damaged.csv", "empty.csv", "json.csv", "wide_header.csv"],
            Db.Rows(ws, "SELECT file_name FROM load_history WHERE status = 'LOAD_FAILED' AND error IS NOT NULL ORDER BY 1"));
        Assert.Equal(["secret.csv"], Directory.GetFiles(tmp.Landing).Select(Path.GetFileName));

        // A run of ten seconds: nothing set aside is loaded or reported again, and the unreadable file is tried on its
        // back-off (1 s doubling: at most four tries in ten seconds, one more for slack), not in a loop.
        var timed = await OtherUser.CliAsync(["run", "--for", "10s", .. tmp.CliArgs()]);
        Assert.True(timed.Code == 3, timed.ToString());
        Assert.Equal(history, Db.Rows(ws, "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected FROM load_history ORDER BY file_name"));
        Assert.Equal(goodRows, Db.Count(ws, "SELECT count(*) FROM customer_raw"));

        var log = File.ReadAllLines(Path.Combine(tmp.Dir, "logs", "customertrack.log"));
        Assert.Single(log, l => l.Contains("does not match the hash in its key", StringComparison.Ordinal));
        Assert.Equal(2, log.Count(l => l.Contains("ingest: cannot read secret.csv", StringComparison.Ordinal)));
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(tmp.Dir, "logs", "ingest-unreadable.json")));
        var attempts = state.RootElement.EnumerateArray().Single(e => e.GetProperty("File").GetString() == "secret.csv").GetProperty("Attempts").GetInt32();
        Assert.InRange(attempts, 1, 5);
    }
}

public sealed class PoisonPillSoakTestsOnDuckDb : PoisonPillSoakTests
{
    protected override Engine Engine => Engine.DuckDb;
}

public sealed class PoisonPillSoakTestsOnPostgres : PoisonPillSoakTests
{
    protected override Engine Engine => Engine.Postgres;
}
