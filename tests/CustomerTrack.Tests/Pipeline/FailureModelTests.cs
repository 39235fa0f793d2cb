using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse.DuckDb;
using CustomerTrack.Warehouse.Postgres;
using DuckDB.NET.Data;
using Npgsql;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// The failure model (docs/architecture.md): each engine says once, at its boundary, which of its errors a retry can
/// cure; a file that fails for good is set aside with its reason and the files around it load.
/// </summary>
public abstract class FailureModelTests
{
    protected abstract Engine Engine { get; }

    [Fact]
    public async Task A_file_the_reader_cannot_take_is_LOAD_FAILED_with_its_reason_and_the_files_around_it_load()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("a.csv", "customer_id,first_name\n1,Ann\n");

        // An unclosed quote early in a large file (past what the old reader could hold in one row): the one row it
        // opens is rejected, its raw text cut, and memory stays bounded.
        tmp.Land("b.csv", "customer_id,first_name\n2,\"" + new string('x', 17_000_000) + "\n3,Bob\n");
        tmp.Land("c.csv", "customer_id,first_name\n4,Cy\n");
        var run = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.Equal(3, run.Code);
        var ws = tmp.Open();
        Assert.Equal(["a.csv|LOADED|1|0", "b.csv|LOAD_FAILED|0|1", "c.csv|LOADED|1|0"],
            Db.Rows(ws, "SELECT file_name, status, rows_loaded, rows_rejected FROM load_history ORDER BY file_name"));
        Assert.Equal(["2|(row)|unclosed quote: the quoted field runs to the end of the file"], Db.Rows(ws, "SELECT line, field, reason FROM load_rejects"));
        Assert.EndsWith("xxx… (cut at 1048576 characters)", Db.Query(ws, "SELECT raw FROM load_rejects").Scalar, StringComparison.Ordinal);
        Assert.Equal(["1", "4"], Db.Rows(ws, "SELECT customer_id FROM customer ORDER BY 1"));

        // Set aside for good: a second run neither retries it nor fails on it.
        var again = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(again.Code == 0, again.ToString());
        Assert.Equal(3, Db.Count(ws, "SELECT count(*) FROM load_history"));
        var status = await CliRunner.RunAsync(["status", "--files", .. tmp.CliArgs()]);
        Assert.Contains("LOAD_FAILED", status.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lake_object_whose_content_does_not_match_its_key_is_set_aside_visibly_not_left_pending()
    {
        using var tmp = new TempWorkspace(Engine);
        tmp.Land("a.csv", "customer_id,first_name\n1,Ann\n");
        tmp.Land("b.csv", "customer_id,first_name\n2,Bea\n");
        var ws = tmp.Open();
        await Pipelines.DrainAsync(ws, TimeProvider.System, Stages.Ingest);
        var damaged = Directory.GetFiles(ws.LakeRoot, "b_*.csv", SearchOption.AllDirectories).Single();
        await File.AppendAllTextAsync(damaged, "3,Eve\n");

        var run = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(run.Code == 3, run.ToString());
        Assert.Contains("  load  b.csv  LOAD_FAILED  0 rows  0 rejects", run.Out, StringComparison.Ordinal);
        Assert.Equal(["a.csv|LOADED", "b.csv|LOAD_FAILED"], Db.Rows(ws, "SELECT file_name, status FROM load_history ORDER BY file_name"));
        Assert.Contains("does not match the hash in its key", Db.Query(ws, "SELECT error FROM load_history WHERE file_name = 'b.csv'").Scalar,
            StringComparison.Ordinal);
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM customer_raw WHERE customer_id <> 1"));
    }
}

public sealed class FailureModelTestsOnDuckDb : FailureModelTests
{
    protected override Engine Engine => Engine.DuckDb;

    /// <summary>DuckDB's errors as the engine's translator classifies them.</summary>
    [Fact]
    public void DuckDB_errors_are_classified_once_conflicts_and_io_transient_constraints_syntax_and_permissions_not()
    {
        using var tmp = new TempWorkspace();
        var path = Path.Combine(tmp.Dir, "t.duckdb");
        using var a = new DuckDBConnection($"Data Source={path}");
        a.Open();
        Run(a, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 0)");
        using var b = new DuckDBConnection($"Data Source={path}");
        b.Open();

        Assert.False(Classify(() => Run(a, "INSERT INTO t VALUES (1, 1)")), "constraint");
        Assert.False(Classify(() => Run(a, "SELEC 1")), "syntax");
        Run(b, "SET enable_external_access = false");
        Assert.False(Classify(() => Run(b, "SELECT * FROM read_text('/etc/hostname')")), "permission");

        // Two connections updating the same row: the second's commit conflicts, and trying again succeeds.
        using var ta = a.BeginTransaction();
        Run(a, "UPDATE t SET v = 1 WHERE id = 1");
        using var tb = b.BeginTransaction();
        Assert.True(Classify(() => Run(b, "UPDATE t SET v = 2 WHERE id = 1")), "write-write conflict");
    }

    private static bool Classify(Action action)
    {
        var e = Assert.ThrowsAny<DuckDBException>(action);
        var translated = DuckDbErrors.Translate(e, "test.duckdb");
        Assert.NotNull(translated);
        return Failures.IsTransient(translated);
    }

    private static void Run(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

public sealed class FailureModelTestsOnPostgres : FailureModelTests
{
    protected override Engine Engine => Engine.Postgres;

    [Fact]
    public async Task PostgreSQL_errors_are_classified_once_deadlocks_and_lost_connections_transient_constraints_syntax_and_permissions_not()
    {
        using var schema = new PostgresSchema();
        await using var a = new NpgsqlConnection(schema.ConnectionString);
        await a.OpenAsync();
        await Run(a, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 0), (2, 0)");
        Assert.False(await Classify(() => Run(a, "INSERT INTO t VALUES (1, 1)")), "constraint");
        Assert.False(await Classify(() => Run(a, "SELEC 1")), "syntax");
        var role = "ct_nobody_" + schema.Name[3..];
        await Run(a, $"CREATE ROLE {role}");
        try
        {
            Assert.False(await Classify(() => Run(a, $"SET ROLE {role}; SELECT * FROM t")), "permission");
            await Run(a, "RESET ROLE");

            // A deadlock: each holds the row the other wants; the server aborts one of them.
            await using var b = new NpgsqlConnection(schema.ConnectionString);
            await b.OpenAsync();
            await using var ta = await a.BeginTransactionAsync();
            await using var tb = await b.BeginTransactionAsync();
            await Run(a, "UPDATE t SET v = 1 WHERE id = 1");
            await Run(b, "UPDATE t SET v = 1 WHERE id = 2");
            var first = Run(a, "UPDATE t SET v = 2 WHERE id = 2");
            var second = Run(b, "UPDATE t SET v = 2 WHERE id = 1");
            var errors = new List<Exception>();
            foreach (var t in new[] { first, second })
            {
                try
                {
                    await t;
                }
                catch (PostgresException e)
                {
                    errors.Add(e);
                }
            }

            var deadlock = Assert.Single(errors);
            Assert.True(Failures.IsTransient(PostgresErrors.Translate(deadlock, "test")!), deadlock.Message);

            // A connection the server ends (an administrator, a restart) is transient too.
            await using var c = new NpgsqlConnection(schema.ConnectionString);
            await c.OpenAsync();
            await using (var admin = new NpgsqlConnection(schema.ConnectionString))
            {
                await admin.OpenAsync();
                await Run(admin, $"SELECT pg_terminate_backend({c.ProcessID})");
            }

            Assert.True(await Classify(() => Run(c, "SELECT 1")), "terminated connection");
        }
        finally
        {
            await using var cleanup = new NpgsqlConnection(schema.ConnectionString);
            await cleanup.OpenAsync();
            await Run(cleanup, $"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    private static async Task<bool> Classify(Func<Task> action)
    {
        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(action);
        var translated = PostgresErrors.Translate(e, "test");
        Assert.NotNull(translated);
        return Failures.IsTransient(translated);
    }

    private static async Task Run(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
