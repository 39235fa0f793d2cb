using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using Npgsql;

namespace CustomerTrack.Tests.Security;

/// <summary>
/// A continuous <c>run</c> on a PostgreSQL schema of its own, its pipeline connected as the test server's superuser: the
/// worst case, in which a reader on the pipeline's own connection could end every session of the server.
/// </summary>
public sealed class ReaderRoleRun : IAsyncLifetime
{
    internal TempWorkspace Tmp { get; } = new(Engine.Postgres);

    internal WatchedProcess? Run { get; private set; }

    internal string ConnectionString => Tmp.EngineFlags()["Warehouse:ConnectionString"]!;

    public async Task InitializeAsync()
    {
        Tmp.Land("first.csv", Samples.First);
        Run = CliRunner.StartWatched(["run", .. Tmp.CliArgs(), "--for", "120s", "--set", "Dashboard:Enabled=false"]);
        await CliAssert.PollAsync(() => CliRunner.RunAsync(["query", "SELECT count(*) AS n FROM customer", "--format", "csv", .. Tmp.CliArgs()]),
            r => r.Out.ReplaceLineEndings("\n") == "n\n2\n", "first.csv to reach customer", 60);
    }

    /// <summary>The reader role's login, as the pipeline keeps it (read here as the superuser).</summary>
    internal NpgsqlConnectionStringBuilder ReaderLogin()
    {
        using var conn = new NpgsqlConnection(ConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand("SELECT role_name, password FROM reader_login", conn);
        using var reader = cmd.ExecuteReader();
        Assert.True(reader.Read(), "no reader_login row");
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Username = reader.GetString(0), Password = reader.GetString(1) };
    }

    public async Task DisposeAsync()
    {
        if (Run is { } run)
        {
            run.Process.Kill(entireProcessTree: true);
            await run.Process.WaitForExitAsync();
            run.Dispose();
        }

        Tmp.Dispose();
    }
}

/// <summary>
/// Readers log in as a role of their own that may only read (docs/architecture.md, "What a reader may do"): whatever a
/// reader's SQL calls, the server refuses it for want of a right, not because a statement check caught it, and the
/// pipeline's workers go on.
/// </summary>
public sealed class ReaderRoleTests(ReaderRoleRun run) : IClassFixture<ReaderRoleRun>
{
    private Task<CliResult> Query(string sql) => CliRunner.RunAsync(["query", sql, "--format", "csv", .. run.Tmp.CliArgs()]);

    [Fact]
    public async Task A_query_cannot_end_or_become_the_pipeline_and_the_workers_go_on()
    {
        var who = await Query("SELECT session_user = current_database() || '_' || current_schema() || '_reader' AS reader, current_user = session_user AS same");
        Assert.True(who.Out.ReplaceLineEndings("\n") == "reader,same\ntrue,true\n", who.ToString());

        (string Sql, string Refusal)[] attacks =
        [
            ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename <> session_user", "terminate"),
            ("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE usename <> session_user", "cancel"),
            ("SELECT set_config('role', 'postgres', false)", "permission denied to set role"),
            ("SELECT set_config('session_authorization', 'postgres', false)", "permission denied to set session authorization"),
            ("SELECT rolname, rolpassword FROM pg_authid", "permission denied for table pg_authid"),
            ("SELECT * FROM reader_login", "permission denied for table reader_login"),
            ("SELECT pg_read_file('/etc/hostname')", "permission denied for function pg_read_file"),
            ("SELECT pg_reload_conf()", "permission denied for function pg_reload_conf"),
        ];
        foreach (var (sql, refusal) in attacks)
        {
            var result = await Query(sql);
            CliAssert.OneLineError(result, refusal);
        }

        // Every session of the pipeline is still there, and a file landed now reaches customer.
        Assert.False(run.Run!.Process.HasExited, string.Join('\n', run.Run.Stderr));
        run.Tmp.Land("second.csv", Samples.Second);
        await CliAssert.PollAsync(() => Query("SELECT city FROM customer WHERE customer_id = 7"),
            r => r.Out.Contains("Rome", StringComparison.Ordinal), "second.csv to reach customer", 60);
        Assert.DoesNotContain(run.Run.Stderr, l => l.Contains("terminat", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The role itself, read-write session and all: every write and every way to another role is refused by the server (42501).</summary>
    [Theory]
    [InlineData("INSERT INTO customer (customer_id) VALUES (99)")]
    [InlineData("UPDATE stream_offset SET offset_seq = 0")]
    [InlineData("DELETE FROM load_history")]
    [InlineData("TRUNCATE customer_raw")]
    [InlineData("DROP TABLE customer_history")]
    [InlineData("ALTER TABLE customer ADD COLUMN evil INTEGER")]
    [InlineData("CREATE TABLE evil (a INTEGER)")]
    [InlineData("SELECT id FROM task_lock FOR UPDATE")]
    [InlineData("LOCK TABLE ledger_state IN ACCESS EXCLUSIVE MODE")]
    [InlineData("SET ROLE postgres")]
    [InlineData("SET SESSION AUTHORIZATION postgres")]
    [InlineData("RESET SESSION AUTHORIZATION; SET ROLE postgres")]
    [InlineData("GRANT SELECT ON reader_login TO PUBLIC")]
    [InlineData("COPY customer TO '/tmp/customertrack-reader-copy'")]
    public void The_reader_role_may_not_write_or_become_another_role(string sql)
    {
        using var conn = new NpgsqlConnection(run.ReaderLogin().ConnectionString);
        conn.Open();
        using var tx = conn.BeginTransaction();
        using (var readWrite = new NpgsqlCommand("SET TRANSACTION READ WRITE", conn, tx))
        {
            readWrite.ExecuteNonQuery();
        }

        using var cmd = new NpgsqlCommand(sql, conn, tx);
        var e = Assert.Throws<PostgresException>(() => cmd.ExecuteNonQuery());
        Assert.True(e.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {e.SqlState} {e.MessageText}");
    }

    [Fact]
    public async Task Tables_made_later_are_readable_and_the_password_is_in_no_file_of_the_workspace()
    {
        run.Tmp.ExecuteOnWarehouse("CREATE TABLE made_later (a INTEGER); INSERT INTO made_later VALUES (1)");
        var later = await Query("SELECT a FROM made_later");
        Assert.True(later.Out.ReplaceLineEndings("\n") == "a\n1\n", later.ToString());

        var password = run.ReaderLogin().Password!;
        Assert.Equal(64, password.Length);
        foreach (var file in Directory.EnumerateFiles(run.Tmp.Dir, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(password, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
    }
}
