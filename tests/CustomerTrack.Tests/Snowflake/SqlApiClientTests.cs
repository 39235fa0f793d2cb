using CustomerTrack.Snowflake;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// The SQL API client against <see cref="SqlApiStandIn"/>, a loopback stand-in for the protocol as Snowflake documents
/// it (NOT Snowflake: it runs no SQL). What passes here is the client's side of the protocol, not Snowflake's answers.
/// </summary>
public sealed class SqlApiClientTests : IAsyncLifetime, IDisposable
{
    private const string Account = "myorg-myaccount";
    private const string User = "ct_deployer";
    private readonly SnowflakeKeys _keys = new();
    private readonly HttpClient _http = new();
    private SqlApiStandIn _standIn = null!;
    private SnowflakeJwt _jwt = null!;

    public async Task InitializeAsync()
    {
        _standIn = await SqlApiStandIn.StartAsync(_keys.PublicKey, Account, User);
        _jwt = SnowflakeJwt.FromFile(Account, User, _keys.PrivateKey, TimeProvider.System);
    }

    private SqlApiClient Client(SnowflakeJwt? jwt = null) => new(_http, _standIn.Url, jwt ?? _jwt,
        new SnowflakeSession("CT_ROLE", "CT_WH", "CT_DB", "CT_SCHEMA"), TimeProvider.System,
        new SqlApiOptions { PollInterval = TimeSpan.FromMilliseconds(5), RetryDelay = TimeSpan.FromMilliseconds(5) });

    [Fact]
    public async Task One_statement_returns_its_rows_and_sends_the_session_and_a_verified_jwt()
    {
        _standIn.Answer = _ => StandInReply.Table(["NAME", "STALE"], ["S1", "false"], ["S2", null]);

        var results = await Client().ExecuteAsync("SHOW STREAMS", CancellationToken.None);

        var result = Assert.Single(results);
        Assert.Equal(["NAME", "STALE"], result.Columns);
        Assert.Equal("S2", result.Cell(1, "name"));
        Assert.Null(result.Cell(1, "stale"));
        var post = Assert.Single(_standIn.Requests, r => r.Method == "POST");
        Assert.Equal("CT_WH", post.Body!["warehouse"]!.GetValue<string>());
        Assert.Equal("CT_SCHEMA", post.Body!["schema"]!.GetValue<string>());
        Assert.Null(post.Body!["parameters"]);
        Assert.True(Guid.TryParse(post.RequestId, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_running_statement_is_polled_by_its_handle_until_it_finishes(int polls)
    {
        _standIn.Answer = _ => new StandInReply(["N"], [["42"]], Polls: polls);

        var result = Assert.Single(await Client().ExecuteAsync("SELECT 42 AS n", CancellationToken.None));

        Assert.Equal("42", result.Cell(0, "N"));
        Assert.Equal(polls, _standIn.Requests.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task A_script_goes_as_one_multi_statement_request_and_each_statement_result_is_fetched()
    {
        const string script = """
            -- a comment line; with a semicolon
            CREATE TABLE IF NOT EXISTS "t" ("a" VARCHAR);
            CREATE OR ALTER PROCEDURE "p"() RETURNS VARCHAR LANGUAGE SQL AS
            $$
            BEGIN
                INSERT INTO "t" VALUES ('x;y');
                RETURN 'done';
            END;
            $$;
            SELECT 'a;b' AS "v"
            """;
        _standIn.Answer = s => s.StartsWith("SELECT", StringComparison.Ordinal) ? new StandInReply(["v"], [["a;b"]], Polls: 2) : StandInReply.Done();

        var results = await Client().ExecuteAsync(script, CancellationToken.None);

        Assert.Equal(3, results.Count);
        Assert.Equal("a;b", results[2].Cell(0, "v"));
        var post = Assert.Single(_standIn.Requests, r => r.Method == "POST");
        Assert.Equal("3", post.Body!["parameters"]!["MULTI_STATEMENT_COUNT"]!.GetValue<string>());
        Assert.Contains("INSERT INTO \"t\" VALUES ('x;y');", _standIn.Ran.ElementAt(1));
    }

    [Fact]
    public async Task A_failed_statement_is_reported_with_its_sqlstate_and_the_rest_of_the_script_does_not_run()
    {
        _standIn.Answer = s => s.Contains("missing", StringComparison.Ordinal)
            ? StandInReply.Fail("42S02", "SQL compilation error: Object 'MISSING' does not exist or not authorized.")
            : StandInReply.Done();

        var e = await Assert.ThrowsAsync<SnowflakeException>(() =>
            Client().ExecuteAsync("SELECT 1; SELECT * FROM missing; SELECT 3", CancellationToken.None));

        Assert.Equal("42S02", e.SqlState);
        Assert.Contains("does not exist", e.Message);
        Assert.Equal(2, _standIn.Ran.Count);
    }

    [Fact]
    public async Task Requests_refused_for_load_are_sent_again_with_the_same_request_id_and_run_once()
    {
        _standIn.Refusals.Enqueue(429);
        _standIn.Refusals.Enqueue(503);
        _standIn.LoseAnswers = 1;

        await Client().ExecuteAsync("INSERT INTO t VALUES (1)", CancellationToken.None);

        var posts = _standIn.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(4, posts.Count);
        Assert.Single(posts.Select(p => p.RequestId).Distinct());
        Assert.Equal([false, true, true, true], posts.Select(p => p.Retry));
        Assert.Single(_standIn.Ran);
    }

    [Fact]
    public async Task A_key_snowflake_does_not_know_is_refused_with_the_fingerprint_to_check()
    {
        using var other = new SnowflakeKeys();
        using var wrong = SnowflakeJwt.FromFile(Account, User, other.PrivateKey, TimeProvider.System);

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => Client(wrong).ExecuteAsync("SELECT 1", CancellationToken.None));

        Assert.Contains(wrong.Fingerprint, e.Message);
        Assert.Contains("401", e.Message);
        Assert.Empty(_standIn.Ran);
    }

    [Fact]
    public async Task A_result_in_several_partitions_is_read_whole()
    {
        _standIn.PartitionRows = 2;
        _standIn.Answer = _ => StandInReply.Table(["I"], Enumerable.Range(1, 5).Select(i => new string?[] { i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToArray());

        var result = Assert.Single(await Client().ExecuteAsync("SELECT i FROM t", CancellationToken.None));

        Assert.Equal(["1", "2", "3", "4", "5"], result.Rows.Select(r => r[0]));
    }

    [Theory]
    [InlineData("SELECT 1", 1)]
    [InlineData("SELECT 1;\n\n-- only a comment\n;", 1)]
    [InlineData("SELECT ';' ; SELECT \"a;b\" FROM t", 2)]
    [InlineData("CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 1; END; $$; CALL p()", 2)]
    [InlineData("SELECT 'it''s; fine' /* ; */; SELECT 2", 2)]
    public void Scripts_split_only_at_semicolons_outside_quotes_bodies_and_comments(string script, int statements) =>
        Assert.Equal(statements, SqlScript.Split(script).Count);

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    public void Dispose()
    {
        _jwt.Dispose();
        _http.Dispose();
        _keys.Dispose();
    }
}
