using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>Generated files through the whole pipeline, on either warehouse engine.</summary>
public abstract class EndToEndTests
{
    /// <summary>The warehouse engine the pipeline runs on.</summary>
    protected abstract Engine Engine { get; }

    private const string Snapshot = """
        SELECT (SELECT md5(coalesce(string_agg(c::VARCHAR, chr(10) ORDER BY c::VARCHAR), '')) FROM customer c)
            || (SELECT md5(coalesce(string_agg(h::VARCHAR, chr(10) ORDER BY h::VARCHAR), '')) FROM customer_history h)
            || (SELECT count(*) FROM customer_raw) || '/' || (SELECT count(*) FROM load_history) || '/' || (SELECT count(*) FROM load_rejects)
        """;

    [Fact]
    public async Task Twenty_generated_files_reach_both_tables_consistently_and_a_second_run_changes_nothing()
    {
        using var tmp = new TempWorkspace(Engine);
        var generated = await CliRunner.RunAsync("generate", "-w", tmp.Dir, "--files", "20", "--rows-per-file", "400", "--keys", "1500", "--seed", "11");
        Assert.Equal(0, generated.Code);
        tmp.Land("with_bad_rows.csv", """
            customer_id,first_name,last_name,updated_at,op
            900001,Ada,Lovelace,2026-11-27T10:00:00Z,INSERT
            not-a-number,Bad,Key,2026-11-27T10:00:01Z,INSERT
            900002,Bad,Time,2026-13-45T10:00:00Z,INSERT
            900003,Bad,Op,2026-11-27T10:00:02Z,MERGE
            900004,Grace,Hopper,2026-11-27T10:00:03Z,INSERT

            """);
        var files = Directory.GetFiles(tmp.Landing, "*.csv");
        var inputRows = files.Sum(f => File.ReadAllLines(f).Count(l => l.Length > 0) - 1);
        Assert.Equal(21, files.Length);
        Assert.Equal(20 * 400 + 5, inputRows);

        var run = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(run.Code == 3, "a run with rejected rows exits 3: " + run);
        Assert.Empty(Directory.GetFiles(tmp.Landing, "*.csv"));

        var ws = tmp.Open();

        // Every input row is in the ledger or in the rejects table, and each file's count adds up.
        var raw = Db.Count(ws, "SELECT count(*) FROM customer_raw");
        var rejected = Db.Count(ws, "SELECT count(*) FROM load_rejects");
        Assert.Equal(inputRows, raw + rejected);
        Assert.Equal(3, rejected);
        Assert.Empty(Db.Rows(ws, """
            SELECT l.file_key FROM load_history l
            WHERE l.rows_in_file <> l.rows_loaded + l.rows_rejected
               OR l.rows_loaded <> (SELECT count(*) FROM customer_raw r WHERE r._file = l.file_key)
               OR l.rows_rejected <> (SELECT count(*) FROM load_rejects j WHERE j.file_key = l.file_key)
            """));
        Assert.Equal(["3|customer_id", "4|updated_at", "5|op"],
            Db.Rows(ws, "SELECT line, field FROM load_rejects ORDER BY line"));

        // customer equals the current, live rows of customer_history, attribute by attribute.
        const string Current = """
            SELECT customer_id, first_name, last_name, email, street, city, state, country FROM customer_history
            WHERE is_current AND NOT is_deleted
            """;
        const string Scd1 = "SELECT customer_id, first_name, last_name, email, street, city, state, country FROM customer";
        Assert.Empty(Db.Rows(ws, $"({Scd1}) EXCEPT ({Current})"));
        Assert.Empty(Db.Rows(ws, $"({Current}) EXCEPT ({Scd1})"));
        Assert.True(Db.Count(ws, "SELECT count(*) FROM customer") > 1000);

        // No customer has two current versions.
        Assert.Empty(Db.Rows(ws, "SELECT customer_id FROM customer_history WHERE is_current GROUP BY customer_id HAVING count(*) > 1"));

        // Intervals are non-empty, never overlap, and chain: a gap is only ever closed by a delete at its start.
        Assert.Empty(Db.Rows(ws, "SELECT customer_id FROM customer_history WHERE end_time <= start_time"));
        Assert.Empty(Db.Rows(ws, """
            WITH h AS (
                SELECT customer_id, start_time, end_time, lead(start_time) OVER (PARTITION BY customer_id ORDER BY start_time) AS next_start
                FROM customer_history)
            SELECT h.customer_id, h.end_time FROM h
            WHERE (next_start IS NOT NULL AND end_time > next_start)
               OR (end_time <> coalesce(next_start, TIMESTAMP '9999-12-31')
                   AND NOT EXISTS (SELECT 1 FROM customer_raw r WHERE r.customer_id = h.customer_id AND r.op = 'DELETE' AND r.updated_at = h.end_time))
            """));
        Assert.True(Db.Count(ws, "SELECT count(*) FROM customer_history WHERE NOT is_current") > 0, "updates made closed versions");

        // A second run --once changes nothing.
        var before = Db.Query(ws, Snapshot).Scalar;
        var again = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(again.Code == 0, again.ToString());
        Assert.Contains("0 file(s) ingested, 0 processed, 0 task run(s)", again.Out, StringComparison.Ordinal);
        Assert.Equal(before, Db.Query(ws, Snapshot).Scalar);
    }
}

/// <summary>The whole pipeline on the embedded warehouse.</summary>
public sealed class EndToEndTestsOnDuckDb : EndToEndTests
{
    protected override Engine Engine => Engine.DuckDb;
}

/// <summary>The whole pipeline on the server warehouse.</summary>
public sealed class EndToEndTestsOnPostgres : EndToEndTests
{
    protected override Engine Engine => Engine.Postgres;
}
