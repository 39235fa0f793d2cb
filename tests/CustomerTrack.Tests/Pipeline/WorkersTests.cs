using System.Diagnostics;
using CustomerTrack.Tests.Scd;
using CustomerTrack.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// Several workers (issue "Scale out"): three <c>customertrack run</c> processes on one PostgreSQL warehouse and one S3
/// lake, one of them killed while it holds a claim on files and a reserved range of the ledger. Every file must be loaded exactly once,
/// the dead worker's files taken over after the lease, one task run at a time, and the tables equal to one process on
/// DuckDB loading the same files.
/// </summary>
public sealed class WorkersTests(ITestOutputHelper log)
{
    private const int Files = 48;
    private const int RowsPerFile = 250;

    [Fact]
    public async Task Three_workers_one_killed_load_every_file_exactly_once_and_give_the_single_process_tables()
    {
        var watch = Stopwatch.StartNew();
        using var source = new TempWorkspace();
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "-w", source.Dir, "--files", $"{Files}", "--rows-per-file", $"{RowsPerFile}",
            "--keys", "1500", "--seed", "11", "--start", "2026-11-05T00:00:00Z")).Code);
        var files = Directory.GetFiles(source.Landing, "*.csv");

        // The reference: one process, DuckDB, a folder lake.
        using var reference = new TempWorkspace();
        reference.LandCopies(files);
        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "-w", reference.Dir)).Code);

        // The shared lake and warehouse; the files go into the lake first, so that all three workers compete for them.
        using var schema = new PostgresSchema();
        string[] shared =
        [
            "--lake", $"s3://{TestServers.S3Bucket}/workers-{Guid.NewGuid():N}", "--s3-endpoint", TestServers.S3Endpoint,
            "--set", "Lake:S3:UseChunkEncoding=false", "--warehouse", "postgres", "--connection", schema.ConnectionString,
            "--set", "Load:ClaimLease=5s", "--set", "Load:PollInterval=200ms",
        ];
        using var feeder = new TempWorkspace();
        feeder.LandCopies(files);
        var ingest = await CliRunner.RunAsync(["ingest", "--once", "-w", feeder.Dir, .. shared]);
        Assert.True(ingest.Code == 0, ingest.ToString());

        log.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: reference run and ingest done");
        using var ws0 = new TempWorkspace();
        using var ws1 = new TempWorkspace();
        using var ws2 = new TempWorkspace();

        // Worker 0 stops inside its first load transaction (claims and a reserved range held) until it is killed.
        using var w0 = CliRunner.StartWatched(["run", "-w", ws0.Dir, "--verbose", "--for", "120s", "--set", "Debug:StepDelay=60s", .. shared]);
        await CliRunner.WaitUntilAsync(() => w0.Stderr.Any(l => l.Contains("load: pausing", StringComparison.Ordinal)), "worker 0 inside a load");
        var held = Claims(schema, w0.Process.Id);
        log.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: worker 0 inside a load");
        Assert.NotEmpty(held);

        using var w1 = CliRunner.StartWatched(["run", "-w", ws1.Dir, "--verbose", "--for", "120s", .. shared]);
        using var w2 = CliRunner.StartWatched(["run", "-w", ws2.Dir, "--verbose", "--for", "120s", .. shared]);
        try
        {
            // Both others have claimed files of their own (and their ranges wait for worker 0's in the task): kill it now.
            await CliRunner.WaitUntilAsync(() => Claims(schema, w1.Process.Id).Count > 0 && Claims(schema, w2.Process.Id).Count > 0,
                "workers 1 and 2 claiming files", seconds: 60);
            log.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: workers 1 and 2 hold claims; killing worker 0");
            w0.Process.Kill(entireProcessTree: true);
            await w0.Process.WaitForExitAsync();
            var killedAt = Stopwatch.StartNew();

            await CliRunner.WaitUntilAsync(() => Scalar(schema, "SELECT count(*) FROM load_history") == Files
                && Scalar(schema, "SELECT count(*) FROM customer_raw WHERE _seq <= (SELECT offset_seq FROM stream_offset)") == Files * RowsPerFile,
                "all files loaded and applied", seconds: 90);
            log.WriteLine($"worker 0 held {held.Count} file(s) when killed; all {Files} loaded and applied {killedAt.Elapsed.TotalSeconds:F1} s later");
        }
        finally
        {
            foreach (var w in new[] { w1, w2 })
            {
                if (!w.Process.HasExited)
                {
                    w.Process.Kill(entireProcessTree: true);
                }

                await w.Process.WaitForExitAsync();
            }
        }

        var pg = CustomerTrack.Workspace.Open(ws1.Dir, create: false, schema.Flags());

        // Exactly once: each file one load-history row, its rows once in the ledger, each _seq once. (Not dense: the
        // range worker 0 reserved before it was killed is a gap.)
        Assert.Equal(Db.Rows(reference.Open(), Db.RowsPerFile), Db.Rows(pg, Db.RowsPerFile));
        Assert.Equal(0, Db.Count(pg, "SELECT count(*) FROM (SELECT file_name FROM load_history GROUP BY file_name HAVING count(*) > 1) d"));
        Assert.Equal(0, Db.Count(pg, "SELECT count(*) FROM load_history WHERE status <> 'LOADED'"));
        Assert.Equal($"{Files * RowsPerFile}|{Files * RowsPerFile}",
            Assert.Single(Db.Rows(pg, "SELECT count(*), count(DISTINCT _seq) FROM customer_raw")));

        // The dead worker's files were taken over, and no claim is left on a file still to load.
        foreach (var key in held)
        {
            Assert.Equal(1, Db.Count(pg, $"SELECT count(*) FROM load_history WHERE file_key = '{key}' AND status = 'LOADED'"));
        }

        Assert.Equal(0, Db.Count(pg, "SELECT count(*) FROM load_claim WHERE file_key NOT IN (SELECT file_key FROM load_history)"));

        // One task run at a time: the runs chain, each starting where the one before ended.
        var runs = Db.Rows(pg, "SELECT from_seq, to_seq FROM task_run ORDER BY run_id");
        var last = "0";
        foreach (var run in runs)
        {
            var (from, to) = (run.Split('|')[0], run.Split('|')[1]);
            Assert.Equal(last, from);
            last = to;
        }

        Assert.Equal(Db.Query(pg, "SELECT max(_seq) FROM customer_raw").Scalar, last);

        // The same tables as one process on DuckDB (the generated feed has no ties, so load order cannot matter).
        Assert.Equal("0", Db.Query(reference.Open(), "SELECT coalesce(sum(ties), 0) FROM task_run").Scalar);
        const string Customer = $"SELECT {ScdModel.CustomerColumns} FROM customer ORDER BY customer_id";
        const string History = $"SELECT {ScdModel.HistoryColumns} FROM customer_history ORDER BY customer_id, start_time";
        Assert.Equal(Db.Rows(reference.Open(), Customer), Db.Rows(pg, Customer));
        Assert.Equal(Db.Rows(reference.Open(), History), Db.Rows(pg, History));
    }

    /// <summary>The files a worker process holds claims on now.</summary>
    private static List<string> Claims(PostgresSchema schema, int pid)
    {
        using var conn = new NpgsqlConnection(schema.ConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand("SELECT file_key FROM load_claim WHERE worker LIKE @pattern", conn);
        cmd.Parameters.AddWithValue("pattern", $"%:{pid}:%");
        try
        {
            using var reader = cmd.ExecuteReader();
            var keys = new List<string>();
            while (reader.Read())
            {
                keys.Add(reader.GetString(0));
            }

            return keys;
        }
        catch (PostgresException e) when (e.SqlState == "42P01")
        {
            // The first worker has not made the tables yet.
            return [];
        }
    }

    private static long Scalar(PostgresSchema schema, string sql)
    {
        using var conn = new NpgsqlConnection(schema.ConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        try
        {
            return Convert.ToInt64(cmd.ExecuteScalar());
        }
        catch (PostgresException e) when (e.SqlState == "42P01")
        {
            return -1;
        }
    }
}
