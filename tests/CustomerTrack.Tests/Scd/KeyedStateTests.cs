using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using DuckDB.NET.Data;
using Npgsql;

namespace CustomerTrack.Tests.Scd;

/// <summary>
/// The task's keyed state (<c>_&lt;t&gt;_state</c>): what it changes must be invisible in the tables. A warehouse made
/// before the state existed goes on exactly, a key-only table (a membership or link table) keeps its history, and the
/// result always equals a rebuild from the ledger.
/// </summary>
public sealed class KeyedStateTests
{
    public static TheoryData<Engine> Engines() => [Engine.DuckDb, Engine.Postgres];

    private const string Customers = "SELECT customer_id, first_name, city, update_timestamp FROM customer ORDER BY customer_id";
    private const string History = "SELECT customer_id, first_name, city, start_time, end_time, is_current FROM customer_history ORDER BY customer_id, start_time";

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_warehouse_made_before_the_keyed_state_goes_on_as_a_rebuild_would(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        tmp.Land("a.csv", """
            customer_id,first_name,city,updated_at,op
            1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT
            2,Bob,Rome,2026-01-01T10:00:00Z,INSERT
            3,Cid,Lyon,2026-01-01T10:00:00Z,INSERT
            3,,,2026-01-01T11:00:00Z,DELETE
            4,,,2026-01-01T09:00:00Z,DELETE

            """.ReplaceLineEndings("\n"));
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));

        // A warehouse from before the keyed state: the table is not there at the next start.
        Execute(tmp, "DROP TABLE \"_customer_state\"");

        // An in-order change (1), a late one (2), a change to a deleted key (3), and a key first seen as a delete (4).
        tmp.Land("b.csv", """
            customer_id,first_name,city,updated_at,op
            1,Ann,Bergen,2026-01-01T12:00:00Z,UPDATE
            2,Bob,Paris,2026-01-01T09:30:00Z,UPDATE
            3,Cid,Nice,2026-01-01T12:00:00Z,UPSERT
            4,Dan,Pisa,2026-01-01T08:00:00Z,INSERT

            """.ReplaceLineEndings("\n"));
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        var customers = await Csv(tmp, Customers);
        var history = await Csv(tmp, History);

        Assert.Equal(
            [
                "customer_id,first_name,city,update_timestamp",
                "1,Ann,Bergen,2026-01-01 12:00:00",
                "2,Bob,Rome,2026-01-01 10:00:00",
                "3,Cid,Nice,2026-01-01 12:00:00",
            ],
            customers);
        Assert.Equal(
            [
                "customer_id,first_name,city,start_time,end_time,is_current",
                "1,Ann,Oslo,2026-01-01 10:00:00,2026-01-01 12:00:00,false",
                "1,Ann,Bergen,2026-01-01 12:00:00,9999-12-31 00:00:00,true",
                "2,Bob,Paris,2026-01-01 09:30:00,2026-01-01 10:00:00,false",
                "2,Bob,Rome,2026-01-01 10:00:00,9999-12-31 00:00:00,true",
                "3,Cid,Lyon,2026-01-01 10:00:00,2026-01-01 11:00:00,false",
                "3,Cid,Nice,2026-01-01 12:00:00,9999-12-31 00:00:00,true",
                "4,Dan,Pisa,2026-01-01 08:00:00,2026-01-01 09:00:00,false",
            ],
            history);

        // The state now holds every key; a later in-order change to each takes the path that reads only the batch.
        tmp.Land("c.csv", """
            customer_id,first_name,city,updated_at,op
            1,Ann,Tromso,2026-01-01T13:00:00Z,UPDATE
            2,Bob,Turin,2026-01-01T13:00:00Z,UPDATE

            """.ReplaceLineEndings("\n"));
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        customers = await Csv(tmp, Customers);
        history = await Csv(tmp, History);
        Assert.Equal(["n", "4"], await Csv(tmp, "SELECT count(*) AS n FROM \"_customer_state\""));

        CliAssert.Succeeded(await CliRunner.RunAsync(["rebuild", .. tmp.CliArgs()]));
        Assert.Equal(customers, await Csv(tmp, Customers));
        Assert.Equal(history, await Csv(tmp, History));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_key_only_table_keeps_the_history_of_its_memberships(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), """
            { "Tables": { "membership": {
                "Default": true, "Key": ["group_id", "member_id"],
                "Columns": { "group_id": "string", "member_id": "string", "changed_at": "timestamp" },
                "EventTime": "changed_at", "Op": { "Column": "kind", "Values": { "add": "UPSERT", "remove": "DELETE" } } } } }
            """);
        tmp.Land("a.csv", """
            group_id,member_id,changed_at,kind
            g1,m1,2026-01-01T10:00:00Z,add
            g1,m2,2026-01-01T10:00:00Z,add
            g1,m1,2026-01-01T11:00:00Z,remove
            g1,m2,2026-01-01T10:15:00Z,add

            """.ReplaceLineEndings("\n"));
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        tmp.Land("b.csv", """
            group_id,member_id,changed_at,kind
            g1,m1,2026-01-01T12:00:00Z,add
            g1,m2,2026-01-01T10:30:00Z,remove

            """.ReplaceLineEndings("\n"));
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));

        const string history = "SELECT group_id, member_id, start_time, end_time, is_current FROM membership_history ORDER BY member_id, start_time";
        const string current = "SELECT group_id, member_id, update_timestamp FROM membership ORDER BY member_id";
        List<string> expectedHistory =
        [
            "group_id,member_id,start_time,end_time,is_current",
            "g1,m1,2026-01-01 10:00:00,2026-01-01 11:00:00,false",
            "g1,m1,2026-01-01 12:00:00,9999-12-31 00:00:00,true",
            "g1,m2,2026-01-01 10:00:00,2026-01-01 10:30:00,false",
        ];
        Assert.Equal(expectedHistory, await Csv(tmp, history));
        Assert.Equal(["group_id,member_id,update_timestamp", "g1,m1,2026-01-01 12:00:00"], await Csv(tmp, current));

        CliAssert.Succeeded(await CliRunner.RunAsync(["rebuild", .. tmp.CliArgs()]));
        Assert.Equal(expectedHistory, await Csv(tmp, history));
    }

    private static async Task<List<string>> Csv(TempWorkspace tmp, string sql) =>
        [.. CliAssert.Succeeded(await CliRunner.RunAsync(["query", sql, "--format", "csv", .. tmp.CliArgs()]))];

    /// <summary>A statement on the warehouse itself, while no process holds it.</summary>
    private static void Execute(TempWorkspace tmp, string sql)
    {
        if (tmp.Engine == Engine.DuckDb)
        {
            using var duck = new DuckDBConnection($"Data Source={Path.Combine(tmp.Dir, "warehouse.duckdb")}");
            duck.Open();
            using var cmd = duck.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
            return;
        }

        using var pg = new NpgsqlConnection(tmp.CliArgs()[^1]);
        pg.Open();
        using var pgCmd = new NpgsqlCommand(sql, pg);
        pgCmd.ExecuteNonQuery();
    }
}
