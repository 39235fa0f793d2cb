using CustomerTrack.Query;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging.Abstractions;

namespace CustomerTrack.Tests.Security;

/// <summary>
/// The read path's values are parameters: whatever a value holds (a quote, a backslash, a statement, a name in any
/// script), it comes back exactly as it went in and changes nothing, on either engine's reader session and through
/// the running owner's endpoint (the parameters travel typed in its JSON request).
/// </summary>
public sealed class QueryParameterTests
{
    /// <summary>How the statement reaches the warehouse: the reader's own session, or the running owner over loopback.</summary>
    public enum Via
    {
        Reader,
        Owner,
    }

    /// <summary>Texts that would break out of a hand-made literal, or be taken for a parameter.</summary>
    public static readonly string[] Hostile =
    [
        "it's",
        @"back\slash\'",
        "'; DROP TABLE customer; --",
        "x' OR '1'='1",
        "Zoë Ünïcødé 名前 Ωμέγα 🦆",
        "$v $1 ? @v :v",
        "",
        "two\nlines\ttab",
    ];

    public static TheoryData<Engine, Via> Paths => new()
    {
        { Engine.DuckDb, Via.Reader },
        { Engine.DuckDb, Via.Owner },
        { Engine.Postgres, Via.Reader },
    };

    /// <summary>Every table's rows and the tables there are: a statement with hostile values must change none of them.</summary>
    private const string Everything = """
        SELECT (SELECT count(*) FROM customer) || '/' || (SELECT count(*) FROM customer_history) || '/' || (SELECT count(*) FROM customer_raw)
            || '/' || (SELECT count(*) FROM load_history) || '/' || (SELECT count(*) FROM task_run)
            || '/' || (SELECT string_agg(c::VARCHAR, chr(10) ORDER BY c::VARCHAR) FROM customer c)
            || '/' || (SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables
                       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
        """;

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Hostile_values_bound_as_parameters_come_back_exactly_and_change_nothing(Engine engine, Via via)
    {
        using var tmp = new TempWorkspace(engine);
        tmp.Land("a.csv", "customer_id,first_name,city,updated_at\n1,Ada,Rome,2026-11-01T00:00:00Z\n2,Bob,Oslo,2026-11-01T00:00:00Z\n");
        var run = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(run.Code == 0, run.ToString());
        var ws = tmp.Open();
        var before = Db.Query(ws, Everything).Scalar;

        IWarehouse? owned = null;
        OwnerEndpoint? owner = null;
        if (via == Via.Owner)
        {
            owned = Warehouses.Open(ws, readOnly: false);
            owner = await OwnerEndpoint.StartAsync(ws, owned, "test", TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        }

        try
        {
            using var reader = WarehouseReader.Open(ws);
            Assert.Equal(via == Via.Owner, reader.Source.StartsWith("customertrack test (pid", StringComparison.Ordinal));
            var moment = new DateTime(2026, 11, 27, 10, 15, 0, DateTimeKind.Utc).AddTicks(1234560);
            foreach (var value in Hostile)
            {
                var args = new QueryArgs();
                var sql = $"""
                    SELECT {args.Text(value, "v")} AS v,
                           (SELECT count(*) FROM customer WHERE first_name = {args.Text(value, "v")}) AS same,
                           (SELECT count(*) FROM customer WHERE first_name = ANY({args.TextList([value, "Ada"], "names")})) AS listed,
                           (SELECT count(*) FROM customer WHERE first_name <> ALL({args.TextList([value, "Ada"], "names")})) AS others,
                           CAST({args.Timestamp(moment, "at")} AS VARCHAR) AS at,
                           {args.BigInt(long.MaxValue - 1, "n")} + 1 AS n
                    """;
                Assert.Equal(4, args.Count);
                var answer = await reader.QueryAsync(sql, args);
                string?[] expected = [value, "0", "1", "1", "2026-11-27 10:15:00.123456", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)];
                Assert.Equal(expected, answer.Rows.Single());
            }

            // The statement's own text is still refused when it writes, parameters or not.
            var refused = await Assert.ThrowsAsync<CustomerTrackException>(() =>
                reader.QueryAsync("DELETE FROM customer WHERE first_name = $v", [QueryParameter.Text("v", "Ada")]));
            Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (owner is not null)
            {
                await owner.DisposeAsync();
            }

            owned?.Dispose();
        }

        Assert.Equal(before, Db.Query(ws, Everything).Scalar);
    }

    [Fact]
    public void Parameters_travel_to_the_owner_typed_and_come_back_the_same()
    {
        var moment = new DateTime(2026, 11, 27, 10, 15, 0, DateTimeKind.Utc).AddTicks(1234567);
        var request = new QueryRequest("SELECT 1", [
            QueryParameter.Text("t", Hostile[2]), QueryParameter.Timestamp("at", moment), QueryParameter.BigInt("n", -42),
            QueryParameter.TextList("l", Hostile)]);
        var json = System.Text.Json.JsonSerializer.Serialize(request, System.Text.Json.JsonSerializerOptions.Web);
        Assert.Contains("""{"name":"at","type":"timestamp","value":"2026-11-27T10:15:00.1234567Z"}""", json, StringComparison.Ordinal);
        var back = System.Text.Json.JsonSerializer.Deserialize<QueryRequest>(json, System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.Equal(request.Parameters!.Select(p => (p.Name, p.Type)), back.Parameters!.Select(p => (p.Name, p.Type)));
        Assert.Equal([Hostile[2], moment, -42L], back.Parameters!.Take(3).Select(p => p.Value));
        Assert.Equal(Hostile, (string[])back.Parameters![3].Value);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)back.Parameters[1].Value).Kind);
    }

    [Theory]
    [InlineData("""{"sql":"SELECT 1","parameters":[{"name":"v","type":"blob","value":"x"}]}""", "no type 'blob'")]
    [InlineData("""{"sql":"SELECT 1","parameters":[{"name":"v","type":"bigint","value":"1; DROP TABLE x"}]}""", "parameter v")]
    [InlineData("""{"sql":"SELECT 1","parameters":[{"name":"v; DROP","type":"text","value":"x"}]}""", "is not lower-case letters")]
    [InlineData("""{"sql":"SELECT 1","parameters":[{"name":"v","type":"text","value":null}]}""", "parameter v")]
    public void A_parameter_that_is_not_what_its_type_says_is_refused(string json, string reason)
    {
        var e = Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<QueryRequest>(json, System.Text.Json.JsonSerializerOptions.Web));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}
