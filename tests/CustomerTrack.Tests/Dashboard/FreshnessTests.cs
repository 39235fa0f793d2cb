using CustomerTrack.Configuration;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>
/// Freshness per file (the demo's, the bench's and the dashboard's): a file is visible when the first stream task run
/// of its own table at or past its last ledger row finishes; another table's run, a rebuild, or a run before the file
/// does not count, and a file no run has reached yet has no freshness. One ledger sequence numbers every table, so
/// the table matters.
/// </summary>
public sealed class FreshnessTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_file_is_visible_when_the_first_run_of_its_table_that_covers_it_finishes(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), """
            { "Tables": { "a": { "Key": ["id"], "Columns": { "id": "int64" } }, "b": { "Key": ["id"], "Columns": { "id": "int64" } } } }
            """);
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));

        // Files of a at seq 10, 12 and 30 (landed at 10:00:00, :01, :02), of b at 20; runs: b to 25 at :03 (not a's),
        // a to 9 at :04 (before every file), a rebuild to 40 at :05, a to 12 at :06 (ends on the second file's seq),
        // a stream run to 15 at :08; nothing of a reaches 30 yet.
        foreach (var (key, table, seq, landed) in new[] { ("a1", "a", 10, 0), ("a2", "a", 12, 1), ("b1", "b", 20, 0), ("a3", "a", 30, 2) })
        {
            tmp.ExecuteOnWarehouse($"""
                INSERT INTO load_history (file_key, file_name, sha256, bytes, status, rows_in_file, rows_loaded, rows_rejected,
                    first_seq, last_seq, landed_at, loaded_at, load_ms, table_name)
                VALUES ('{key}', '{key}.csv', 'x', 1, 'LOADED', 1, 1, 0, {seq}, {seq}, TIMESTAMP '2026-01-01 10:00:0{landed}',
                    TIMESTAMP '2026-01-01 10:00:0{landed}', 1, '{table}')
                """);
        }

        foreach (var (id, kind, table, to, at) in new[] { (1, "stream", "b", 25, 3), (2, "stream", "a", 9, 4), (3, "rebuild", "a", 40, 5), (4, "stream", "a", 12, 6), (5, "stream", "a", 15, 8) })
        {
            tmp.ExecuteOnWarehouse($"""
                INSERT INTO task_run (run_id, kind, started_at, finished_at, from_seq, to_seq, rows_read, keys, versions, ties, duration_ms, table_name)
                VALUES ({id}, '{kind}', TIMESTAMP '2026-01-01 10:00:0{at}', TIMESTAMP '2026-01-01 10:00:0{at}', 0, {to}, 1, 1, 1, 0, 1, '{table}')
                """);
        }

        var ws = tmp.Open();
        Assert.Equal(["a1|6000", "a2|5000", "b1|3000"],
            Db.Rows(ws, $"SELECT file_key, freshness_ms FROM ({CustomerTrack.Query.Freshness.PerFileSql}) AS f ORDER BY file_key"));
    }
}
