using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using Npgsql;

namespace CustomerTrack.Tests.Security;

/// <summary>A reader can neither stall nor starve the pipeline: its answers are capped, its statements bounded in time.</summary>
public abstract class ReaderLimitsTests
{
    protected abstract Engine Engine { get; }

    /// <summary>A statement that runs for minutes on this engine.</summary>
    protected abstract string Endless { get; }

    private protected async Task<TempWorkspace> Loaded()
    {
        var tmp = new TempWorkspace(Engine);
        tmp.Land("first.csv", Samples.First);
        var run = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(run.Code == 0, run.ToString());
        return tmp;
    }

    [Fact]
    public async Task An_answer_longer_than_Query_MaxRows_is_cut_and_says_so()
    {
        using var tmp = await Loaded();
        var cut = await CliRunner.RunAsync(["query", "SELECT g FROM generate_series(1, 10) AS t(g) ORDER BY g", "--format", "csv",
            "--set", "Query:MaxRows=3", .. tmp.CliArgs()]);
        Assert.True(cut.Code == 0, cut.ToString());
        Assert.Equal("g\n1\n2\n3\n", cut.Out.ReplaceLineEndings("\n"));
        Assert.Contains("cut after 3 rows (Query:MaxRows)", cut.Err, StringComparison.Ordinal);

        var whole = await CliRunner.RunAsync(["query", "SELECT g FROM generate_series(1, 3) AS t(g)", "--format", "csv",
            "--set", "Query:MaxRows=3", .. tmp.CliArgs()]);
        Assert.True(whole.Code == 0 && whole.Err.Length == 0, whole.ToString());
    }

    [Fact]
    public async Task A_query_running_past_Query_Timeout_is_cancelled_with_a_one_line_reason()
    {
        using var tmp = await Loaded();
        var slow = await CliRunner.RunAsync(["query", Endless, "--set", "Query:Timeout=300ms", .. tmp.CliArgs()]);
        CliAssert.OneLineError(slow, "Query:Timeout (300ms)", "cancelled");

        // The reader's session is fine afterwards, and so is the warehouse.
        var after = await CliRunner.RunAsync(["query", "SELECT count(*) AS n FROM customer", "--format", "csv", .. tmp.CliArgs()]);
        Assert.Equal("n\n2\n", after.Out.ReplaceLineEndings("\n"));
    }
}

public sealed class ReaderLimitsTestsOnDuckDb : ReaderLimitsTests
{
    protected override Engine Engine => Engine.DuckDb;

    protected override string Endless => "SELECT count(*) FROM range(1000000000) a, range(1000000) b";

    [Fact]
    public async Task A_reader_that_goes_away_cancels_its_query_in_the_owner_and_the_owner_still_stops_on_time()
    {
        using var tmp = new TempWorkspace();
        using var owner = CliRunner.StartWatched("run", "-w", tmp.Dir, "--for", "20s", "--verbose");
        try
        {
            await CliRunner.WaitUntilAsync(() => File.Exists(Path.Combine(tmp.Dir, "owner.json")) || owner.Process.HasExited, "the owner to start");
            Assert.False(owner.Process.HasExited, string.Join('\n', owner.Stderr));
            using var reader = CliRunner.Start("query", Endless, "-w", tmp.Dir, "--set", "Query:Timeout=1h");
            var drained = Task.Run(() => reader.StandardError.ReadToEndAsync());
            var port = new Uri(System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(tmp.Dir, "owner.json")))
                .RootElement.GetProperty("Url").GetString()!).Port;
            await CliRunner.WaitUntilAsync(() => Connected(reader.Id, port), "the reader to connect to the owner");
            // The owner working on it: a CPU-second spent after the reader connected (the statement never ends by itself).
            var busy = CpuTicks(owner.Process.Id);
            await CliRunner.WaitUntilAsync(() => CpuTicks(owner.Process.Id) - busy >= 100, "the owner to run the reader's query", 60);
            reader.Kill(entireProcessTree: true);
            await reader.WaitForExitAsync();
            var cancelled = CliRunner.WaitUntilAsync(() => owner.Stderr.Any(l => l.Contains("query cancelled: its reader went away", StringComparison.Ordinal)),
                "the owner to cancel the abandoned query", 30);
            try
            {
                await cancelled;
            }
            catch (TimeoutException)
            {
                Assert.Fail("no cancellation logged; the owner wrote:\n" + string.Join('\n', owner.Stderr) + "\nthe reader wrote:\n" + await drained);
            }

            // With a query of an hour's bound running, run --for still ends: shutting down interrupts it too.
            using var second = CliRunner.Start("query", Endless, "-w", tmp.Dir, "--set", "Query:Timeout=1h");
            var secondOut = Task.Run(() => second.StandardError.ReadToEndAsync());
            await CliRunner.WaitUntilAsync(() => owner.Process.HasExited, "run --for 20s to end with a reader's query running", 60);
            await second.WaitForExitAsync();
            Assert.NotEqual(0, second.ExitCode);
            await drained;
            await secondOut;
        }
        finally
        {
            if (!owner.Process.HasExited)
            {
                owner.Process.Kill(entireProcessTree: true);
            }

            await owner.Process.WaitForExitAsync();
        }

        Assert.Equal(0, owner.Process.ExitCode);
    }

    /// <summary>User and system CPU time of a process so far, in clock ticks (1/100 s), from /proc.</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whether process <paramref name="pid"/> holds an established TCP connection to <paramref name="port"/> (from /proc).</summary>
    private static bool Connected(int pid, int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target[8..^1]);
                }
            }
        }
        catch (IOException)
        {
            return false;
        }

        var remote = ":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 9 && f[2].EndsWith(remote, StringComparison.Ordinal) && f[3] == "01" && inodes.Contains(f[9]));
    }
}

public sealed class ReaderLimitsTestsOnPostgres : ReaderLimitsTests
{
    protected override Engine Engine => Engine.Postgres;

    protected override string Endless => "SELECT pg_sleep(600)";

    [Fact]
    public async Task A_readers_session_is_read_only_and_compiles_no_query_keeping_the_connections_own_options()
    {
        using var tmp = await Loaded();

        // The connection string's own Options (a person's search_path, say) stay; the reader's come after them.
        var connection = tmp.EngineFlags()["Warehouse:ConnectionString"]!;
        var settings = await CliRunner.RunAsync(["query",
            "SELECT current_setting('jit') AS jit, current_setting('default_transaction_read_only') AS ro, current_setting('work_mem') AS work_mem",
            "--format", "csv", "-w", tmp.Dir, "--warehouse", "postgres", "--connection", connection + ";Options=-c work_mem=7MB"]);
        Assert.True(settings.Code == 0, settings.ToString());
        Assert.Equal("jit,ro,work_mem\noff,on,7MB\n", settings.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_reader_cannot_take_the_task_lock_and_an_advisory_lock_no_longer_holds_the_task_back()
    {
        using var tmp = new TempWorkspace(Engine.Postgres);
        var connection = tmp.EngineFlags()["Warehouse:ConnectionString"]!;
        tmp.Land("first.csv", Samples.First);
        foreach (var stage in new[] { "ingest", "load" })
        {
            var done = await CliRunner.RunAsync([stage, "--once", .. tmp.CliArgs()]);
            Assert.True(done.Code == 0, done.ToString());
        }

        CliAssert.OneLineError(await CliRunner.RunAsync(["query", "SELECT offset_seq FROM stream_offset FOR UPDATE", .. tmp.CliArgs()]), "query is read-only");

        // A read-only session holding what used to be the task lock, as a hostile reader could: the task runs anyway.
        await using var hostile = new NpgsqlConnection(connection + ";Options=-c default_transaction_read_only=on");
        await hostile.OpenAsync();
        await using var tx = await hostile.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext('customertrack tasks'))", hostile, tx))
        {
            await take.ExecuteNonQueryAsync();
        }

        await using (var rowLock = new NpgsqlCommand("SELECT offset_seq FROM stream_offset FOR UPDATE", hostile, tx))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => rowLock.ExecuteScalarAsync());
            Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState);
        }

        var tasks = await Task.Run(() => CliRunner.RunAsync(["tasks", "--once", .. tmp.CliArgs()])).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(tasks.Code == 0, tasks.ToString());
        var applied = await CliRunner.RunAsync(["query", "SELECT count(*) AS n FROM customer", "--format", "csv", .. tmp.CliArgs()]);
        Assert.Equal("n\n2\n", applied.Out.ReplaceLineEndings("\n"));
    }
}
