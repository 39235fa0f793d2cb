using System.Security.Cryptography;
using System.Text;
using CustomerTrack.Load;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// The server path's ledger lock is held only to reserve a range of <c>_seq</c>; the rows are written and committed
/// outside it, by several workers at once. These tests hold one load transaction open (inside its commit hook) while
/// another worker loads and the task stage runs, and check what the task may and may not see.
/// </summary>
public sealed class LedgerReservationTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 6, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// A later range committed first waits for the earlier one still running: the task applies nothing past the open
    /// reservation. Committed, its rows are applied with the later ones; rolled back, its range is a gap the task
    /// passes.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_range_reserved_by_a_running_load_holds_the_task_until_that_load_ends(bool commits)
    {
        using var tmp = new TempWorkspace(Engine.Postgres);
        var ws = tmp.Open();
        var table = ws.Settings.DefaultTable!;
        var first = File(tmp, "first.csv", "customer_id,first_name,updated_at\n1,Ada,2026-11-01T00:00:00Z\n2,Grace,2026-11-01T00:00:00Z\n");
        var second = File(tmp, "second.csv", "customer_id,first_name,updated_at\n3,Alan,2026-11-01T00:00:01Z\n");

        using var held = Warehouses.Open(ws, readOnly: false);
        using var other = Warehouses.Open(ws, readOnly: false);
        using var inside = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        held.BeforeCommit = stage =>
        {
            inside.Release();
            release.Wait();
            if (!commits)
            {
                throw new IOException("the worker died before its commit");
            }
        };
        var firstLoad = Task.Run(() => FileLoad.LoadAsync(held, [first], ws.Settings.Load, new FakeTimeProvider(Now)));
        Assert.True(await inside.WaitAsync(TimeSpan.FromSeconds(60)), "the first load to reach its commit");

        // The second load is not kept waiting by the first (the lock was its own short transaction), and commits.
        var loaded = await FileLoad.LoadAsync(other, [second], ws.Settings.Load, new FakeTimeProvider(Now));
        Assert.Equal(LoadStatus.Loaded, Assert.Single(loaded).Status);
        Assert.Null(await other.RunTaskAsync(table, int.MaxValue, new FakeTimeProvider(Now)));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer"));

        release.Release();
        if (commits)
        {
            Assert.Equal(LoadStatus.Loaded, Assert.Single(await firstLoad).Status);
        }
        else
        {
            await Assert.ThrowsAsync<IOException>(() => firstLoad);
        }

        var run = await other.RunTaskAsync(table, int.MaxValue, new FakeTimeProvider(Now));
        Assert.NotNull(run);
        Assert.Equal(commits ? ["1|Ada", "2|Grace", "3|Alan"] : ["3|Alan"],
            Db.Rows(ws, "SELECT customer_id, first_name FROM customer ORDER BY customer_id"));
        Assert.Equal(["3|3"], Db.Rows(ws, "SELECT offset_seq, (SELECT max(_seq) FROM customer_raw) FROM stream_offset"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM ledger_reservation"));
    }

    /// <summary>Two copies of one file (same name and content, two lake keys) loaded by two workers at once: one loads, one is skipped.</summary>
    [Fact]
    public async Task Two_copies_of_a_file_loaded_at_once_by_two_workers_load_once()
    {
        using var tmp = new TempWorkspace(Engine.Postgres);
        var ws = tmp.Open();
        var (copy1, copy2) = TwoCopies(tmp);

        using var held = Warehouses.Open(ws, readOnly: false);
        using var other = Warehouses.Open(ws, readOnly: false);
        using var inside = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        held.BeforeCommit = _ =>
        {
            inside.Release();
            release.Wait();
        };
        var firstLoad = Task.Run(() => FileLoad.LoadAsync(held, [copy1], ws.Settings.Load, new FakeTimeProvider(Now)));
        Assert.True(await inside.WaitAsync(TimeSpan.FromSeconds(60)), "the first load to reach its commit");
        var secondLoad = Task.Run(() => FileLoad.LoadAsync(other, [copy2], ws.Settings.Load, new FakeTimeProvider(Now)));

        // The second waits for the first's row lock on the content (without it, it would load the copy now).
        var schema = new Npgsql.NpgsqlConnectionStringBuilder(ws.Settings.Warehouse.ConnectionString).SearchPath!;
        await CliRunner.WaitUntilAsync(() => WaitingOnContent(schema), "the second load to wait for the first", 60);
        release.Release();

        Assert.Equal(LoadStatus.Loaded, Assert.Single(await firstLoad).Status);
        Assert.Equal(LoadStatus.Skipped, Assert.Single(await secondLoad).Status);
        Assert.Equal(["2026/11/30/same_1.csv|LOADED", "2026/11/30/same_2.csv|LOAD_SKIPPED"],
            Db.Rows(ws, "SELECT file_key, status FROM load_history ORDER BY file_key"));
        Assert.Equal(1, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
    }

    /// <summary>
    /// The staging time and the ledger lock's share are recorded, after the commit, on every file the load wrote a
    /// history row for (a copy skipped as a duplicate too), and a file met again as already loaded keeps its own.
    /// </summary>
    [Fact]
    public async Task Staging_and_lock_times_are_recorded_on_the_files_a_load_recorded_and_only_those()
    {
        using var tmp = new TempWorkspace(Engine.Postgres);
        var ws = tmp.Open();
        var (copy1, copy2) = TwoCopies(tmp);
        const string Times = "SELECT file_key, status, stage_ms IS NOT NULL, lock_ms IS NOT NULL FROM load_history ORDER BY file_key";

        using var warehouse = Warehouses.Open(ws, readOnly: false);
        var first = await FileLoad.LoadAsync(warehouse, [copy1, copy2], ws.Settings.Load, new FakeTimeProvider(Now));
        Assert.Equal([LoadStatus.Loaded, LoadStatus.Skipped], first.Select(o => o.Status));
        Assert.Equal(["2026/11/30/same_1.csv|LOADED|true|true", "2026/11/30/same_2.csv|LOAD_SKIPPED|true|true"], Db.Rows(ws, Times));

        using (var conn = new Npgsql.NpgsqlConnection(ws.Settings.Warehouse.ConnectionString))
        {
            conn.Open();
            using var mark = new Npgsql.NpgsqlCommand("UPDATE load_history SET stage_ms = -1, lock_ms = -1 WHERE file_key = '2026/11/30/same_1.csv'", conn);
            mark.ExecuteNonQuery();
        }

        var again = await FileLoad.LoadAsync(warehouse, [copy1], ws.Settings.Load, new FakeTimeProvider(Now));
        Assert.Equal(LoadStatus.AlreadyLoaded, Assert.Single(again).Status);
        Assert.Equal(["-1|-1"], Db.Rows(ws, "SELECT stage_ms, lock_ms FROM load_history WHERE file_key = '2026/11/30/same_1.csv'"));
    }

    /// <summary>
    /// DuckDB's task runs on a connection of its own beside the loader's: with a load held inside its commit, a task run
    /// neither waits for it nor sees its rows (the loader writes the ledger one transaction at a time, in <c>_seq</c>
    /// order, so everything below what the task's snapshot holds is committed); once the load commits, the next run
    /// applies it.
    /// </summary>
    [Fact]
    public async Task On_DuckDB_a_task_run_goes_on_beside_a_running_load_and_applies_only_what_is_committed()
    {
        using var tmp = new TempWorkspace(Engine.DuckDb);
        var ws = tmp.Open();
        var table = ws.Settings.DefaultTable!;
        var first = File(tmp, "first.csv", "customer_id,first_name,updated_at\n1,Ada,2026-11-01T00:00:00Z\n2,Grace,2026-11-01T00:00:00Z\n");
        var second = File(tmp, "second.csv", "customer_id,first_name,updated_at\n3,Alan,2026-11-01T00:00:01Z\n");
        const string Customers = "SELECT customer_id, first_name FROM customer ORDER BY customer_id";

        using var warehouse = Warehouses.Open(ws, readOnly: false);
        await FileLoad.LoadAsync(warehouse, [first], ws.Settings.Load, new FakeTimeProvider(Now));
        using var inside = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        warehouse.BeforeCommit = stage =>
        {
            if (stage == "load")
            {
                inside.Release();
                release.Wait();
            }
        };
        var secondLoad = Task.Run(() => FileLoad.LoadAsync(warehouse, [second], ws.Settings.Load, new FakeTimeProvider(Now)));
        Assert.True(await inside.WaitAsync(TimeSpan.FromSeconds(60)), "the second load to reach its commit");

        var run = await warehouse.RunTaskAsync(table, int.MaxValue, new FakeTimeProvider(Now)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, run!.RowsRead);
        Assert.Equal(["1|Ada", "2|Grace"], Rows(warehouse, Customers));

        release.Release();
        Assert.Equal(LoadStatus.Loaded, Assert.Single(await secondLoad).Status);
        var next = await warehouse.RunTaskAsync(table, int.MaxValue, new FakeTimeProvider(Now));
        Assert.Equal(1, next!.RowsRead);
        Assert.Equal(["1|Ada", "2|Grace", "3|Alan"], Rows(warehouse, Customers));
        Assert.Equal(["3"], Rows(warehouse, "SELECT offset_seq FROM stream_offset"));
    }

    private static List<string> Rows(IWarehouse warehouse, string sql) =>
        warehouse.Query(sql).Rows.Select(r => string.Join("|", r)).ToList();

    private static bool WaitingOnContent(string schema)
    {
        using var conn = new Npgsql.NpgsqlConnection(TestServers.Postgres);
        conn.Open();
        using var cmd = new Npgsql.NpgsqlCommand("""
            SELECT count(*) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%load_content%'
              AND pid IN (SELECT pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema)
            """, conn);
        cmd.Parameters.AddWithValue("schema", schema);
        return Convert.ToInt64(cmd.ExecuteScalar()) > 0;
    }

    /// <summary>One file under two lake keys (same name and content), as a landing sent twice leaves it.</summary>
    private static (LakeFile First, LakeFile Second) TwoCopies(TempWorkspace tmp)
    {
        const string Content = "customer_id,first_name,updated_at\n1,Ada,2026-11-01T00:00:00Z\n";
        return (File(tmp, "same.csv", Content, key: "2026/11/30/same_1.csv"), File(tmp, "same.csv", Content, key: "2026/11/30/same_2.csv"));
    }

    private static LakeFile File(TempWorkspace tmp, string name, string content, string? key = null)
    {
        var path = Path.Combine(tmp.Dir, Guid.NewGuid().ToString("N") + ".csv");
        System.IO.File.WriteAllText(path, content);
        var ws = tmp.Open();
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        return new LakeFile(key ?? $"2026/11/30/{name}", path, name, sha, content.Length, Now, ws.Settings.DefaultTable, ws.Settings.DefaultTable!.Name);
    }
}
