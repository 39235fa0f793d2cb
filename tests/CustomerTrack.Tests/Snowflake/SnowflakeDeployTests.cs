using System.Text.Json.Nodes;
using CustomerTrack.Snowflake;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// <c>snowflake deploy</c> and <c>snowflake status</c> through the real CLI, against <see cref="SqlApiStandIn"/>: a
/// loopback stand-in for the SQL API protocol, NOT Snowflake. It shows what is sent and how answers are read; whether
/// Snowflake accepts the statements is not proven here (docs/snowflake.md lists what was never run on an account).
/// </summary>
public sealed partial class SnowflakeDeployTests : IAsyncLifetime, IDisposable
{
    private const string Account = "myorg-myaccount";
    private const string User = "ct_deployer";
    private readonly SnowflakeKeys _keys = new();
    private SqlApiStandIn _standIn = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _standIn = await SqlApiStandIn.StartAsync(_keys.PublicKey, Account, User);
        _dir = SnowflakeSamples.Workspace(Settings(stageUrl: "s3://example-bucket/customertrack"));
    }

    private string Settings(string? stageUrl, string? tables = null) => new JsonObject
    {
        ["Tables"] = tables is null ? null : JsonNode.Parse(tables)!["Tables"]!.DeepClone(),
        ["Snowflake"] = new JsonObject
        {
            ["Account"] = Account,
            ["User"] = User,
            ["PrivateKeyPath"] = _keys.PrivateKey,
            ["Role"] = "CT_DEPLOYER",
            ["Warehouse"] = "ct_wh",
            ["Url"] = _standIn.Url.ToString(),
            ["AwsRoleArn"] = "arn:aws:iam::123456789012:role/ct-snowflake",
            ["StageUrl"] = stageUrl,
        },
    }.ToJsonString();

    private async Task<List<string>> PlanStatementsAsync()
    {
        var plan = await CliRunner.RunAsync("snowflake", "plan", "-w", _dir);
        Assert.True(plan.Code == 0, plan.ToString());
        return SqlScript.Split(plan.Out).ToList();
    }

    [Theory]
    [InlineData("customer")]
    [InlineData("orders-evolving")]
    [InlineData("orders-evolving-ndjson")]
    public async Task Deploy_sends_the_plan_as_one_request_in_deploy_order_and_prints_the_pipe_notification_channel(string table)
    {
        if (table != "customer")
        {
            // SchemaEvolution add: the procedure has a DECLARE block and dynamic statements; it is still one statement.
            File.WriteAllText(Path.Combine(_dir, CustomerTrack.Configuration.SettingsLoader.FileName),
                Settings(stageUrl: "s3://example-bucket/customertrack",
                    table == "orders-evolving" ? SnowflakeSamples.EvolvingSettings : SnowflakeSamples.EvolvingNdjsonSettings));
        }

        const string channel = "arn:aws:sqs:us-east-1:123456789012:sf-snowpipe-EXAMPLE";
        _standIn.Answer = s => s.StartsWith("SHOW PIPES", StringComparison.Ordinal)
            ? StandInReply.Table(["name", "notification_channel"], [table.Split('-')[0].ToUpperInvariant() + "_PIPE", channel])
            : StandInReply.Done(polls: s.Contains("PROCEDURE", StringComparison.Ordinal) ? 2 : 0);

        var result = await CliRunner.RunAsync("snowflake", "deploy", "-w", _dir);

        Assert.True(result.Code == 0, result.ToString());
        // First the reads (the integration, the schema: not there, so a first deploy), then the plan, comments left out.
        var expected = (await PlanStatementsAsync()).Select(SqlScript.WithoutComments).ToList();
        Assert.Equal(expected, _standIn.Ran.SkipWhile(s => s.StartsWith("SHOW", StringComparison.Ordinal)).Take(expected.Count));
        Assert.Single(expected, s => s.StartsWith("CREATE OR REPLACE PROCEDURE", StringComparison.Ordinal)
            && s.TrimEnd().EndsWith("$$", StringComparison.Ordinal));
        var posts = _standIn.Requests.Where(r => r.Method == "POST" && r.Statement!.StartsWith("CREATE DATABASE", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            posts[0].Body!["parameters"]!["MULTI_STATEMENT_COUNT"]!.GetValue<string>());
        Assert.Equal("CT_DEPLOYER", posts[0].Body!["role"]!.GetValue<string>());
        Assert.Equal("ct_wh", posts[0].Body!["warehouse"]!.GetValue<string>());
        Assert.Contains(channel, result.Out);
        Assert.Contains("DESC INTEGRATION \"CUSTOMERTRACK_S3\"", result.Out);

        // A CSV table with SchemaEvolution add can lose a row to a type Snowflake inferred: deploy says so, and deploys.
        Assert.Equal(table == "orders-evolving", result.Err.Contains("snowflake deploy: warning: table orders: SchemaEvolution add on CSV", StringComparison.Ordinal));
        Assert.DoesNotContain(_keys.PrivateKey, result.Out + result.Err);
    }

    [Fact]
    public async Task Deploy_stops_at_the_statement_Snowflake_refuses_and_names_it_with_its_sqlstate()
    {
        _standIn.Answer = s => SqlScript.StripComments(s).StartsWith("CREATE PIPE", StringComparison.Ordinal)
            ? StandInReply.Fail("42601", "SQL compilation error: syntax error line 1 at position 7")
            : StandInReply.Done();

        var result = await CliRunner.RunAsync("snowflake", "deploy", "-w", _dir);

        Assert.Equal(1, result.Code);
        Assert.Contains("SQLSTATE 42601", result.Err);
        Assert.DoesNotContain(_standIn.Ran, s => s.Contains("VIEW", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deploy_refuses_a_plan_that_still_has_a_value_to_fill_in_before_sending_anything()
    {
        File.WriteAllText(Path.Combine(_dir, CustomerTrack.Configuration.SettingsLoader.FileName), Settings(stageUrl: null));

        var result = await CliRunner.RunAsync("snowflake", "deploy", "-w", _dir);

        Assert.Equal(1, result.Code);
        Assert.Contains("Snowflake:StageUrl", result.Err);
        Assert.Empty(_standIn.Requests);
    }

    [Fact]
    public async Task Deploy_refuses_a_key_file_others_can_read_before_sending_anything()
    {
        SnowflakeKeys.Chmod(_keys.PrivateKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var result = await CliRunner.RunAsync("snowflake", "deploy", "-w", _dir);

        Assert.Equal(1, result.Code);
        Assert.Contains("chmod 600", result.Err);
        Assert.Empty(_standIn.Requests);
    }

    [Fact]
    public async Task Status_shows_the_pipe_backlog_the_stream_staleness_and_the_task_runs()
    {
        var account = new StandInAccount(Plan());
        _standIn.Answer = s => account.Answer(s) ?? s switch
        {
            _ when s.Contains("SYSTEM$PIPE_STATUS", StringComparison.Ordinal) =>
                StandInReply.Table(["PIPE_STATUS"], ["{\"executionState\":\"RUNNING\",\"pendingFileCount\":2}"]),
            _ when s.StartsWith("SHOW STREAMS", StringComparison.Ordinal) =>
                StandInReply.Table(["name", "stale", "stale_after"], ["CUSTOMER_RAW_STREAM", "false", "2026-12-13 10:00:00.000 +0000"]),
            _ when s.StartsWith("SHOW TASKS", StringComparison.Ordinal) => StandInReply.Table(["name", "state"], ["CUSTOMER_TASK", "started"]),
            _ when s.Contains("TASK_HISTORY", StringComparison.Ordinal) => StandInReply.Table(["STATE", "SCHEDULED_TIME", "ERROR_MESSAGE"],
                ["SUCCEEDED", "2026-11-29 10:01:00", null], ["FAILED", "2026-11-29 10:00:00", "Duplicate row detected during DML action"]),
            _ => StandInReply.Done(),
        };

        var result = await CliRunner.RunAsync("snowflake", "status", "-w", _dir);

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("customer: pipe RUNNING, 2 file(s) pending; stream fresh, stale after 2026-12-13 10:00:00.000 +0000; task started", result.Out);
        Assert.Contains("FAILED 2026-11-29 10:00:00 (Duplicate row detected during DML action)", result.Out);
        Assert.DoesNotContain("drift", result.Out);
    }

    /// <summary>One difference each between the account (as the stand-in answers) and the definition, and what status says.</summary>
    public static TheoryData<string, string> Drifts() => new()
    {
        { "column", "customer: drift: CUSTOMER_HISTORY has no column EMAIL (VARCHAR); 'snowflake deploy' converges it" },
        { "delimiter", "customer: drift: CUSTOMER_FORMAT differs in FIELD_DELIMITER (';' -> ','); 'snowflake deploy' converges it" },
        { "stage", "customer: drift: CUSTOMER_STAGE reads s3://old-bucket/customer/, the definition says s3://example-bucket/customertrack/customer/" },
        { "pipe", "customer: drift: CUSTOMER_PIPE its COPY differs from the definition's" },
        { "table", "customer: drift: CUSTOMER_LEDGER is not there; the plan makes it" },
        { "schema", "customer: drift: schema \"CUSTOMERTRACK\".\"PUBLIC\" is not there; nothing is deployed" },
    };

    [Theory]
    [MemberData(nameof(Drifts))]
    public async Task Status_names_each_difference_from_the_definition_and_exits_non_zero(string change, string expected)
    {
        var account = Drifted(change);
        _standIn.Answer = s => account.Answer(s) ?? StandInReply.Done();

        var result = await CliRunner.RunAsync("snowflake", "status", "-w", _dir);

        Assert.True(result.Code == 3, result.ToString());
        Assert.Contains(expected, result.Out);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Deploy_converges_onto_what_the_account_holds_and_recreates_a_stage_or_pipe_only_when_asked(bool recreate)
    {
        var account = Drifted("column", "delimiter", "stage");
        _standIn.Answer = s => account.Answer(s) ?? StandInReply.Done();

        var result = await CliRunner.RunAsync(["snowflake", "deploy", "-w", _dir, .. recreate ? new[] { "--recreate" } : []]);

        Assert.True(result.Code == 0, result.ToString());
        var ran = _standIn.Ran.ToList();
        var n = Plan().Names;
        Assert.Contains($"ALTER TABLE {n.History} ADD COLUMN IF NOT EXISTS \"EMAIL\" VARCHAR", ran);
        Assert.Contains($"ALTER FILE FORMAT {n.FileFormat} SET\n  FIELD_DELIMITER = ','", ran);
        Assert.True(ran.FindIndex(s => s.StartsWith("ALTER TABLE", StringComparison.Ordinal))
            < ran.FindIndex(s => s.StartsWith("CREATE OR REPLACE PROCEDURE", StringComparison.Ordinal)));
        Assert.Equal(recreate, ran.Any(s => s.StartsWith($"CREATE OR REPLACE STAGE {n.Stage}", StringComparison.Ordinal)));
        Assert.Equal(recreate, ran.Any(s => s.StartsWith($"CREATE OR REPLACE PIPE {n.Pipe}", StringComparison.Ordinal)));
        Assert.Equal(recreate, result.Out.Contains("(converged)", StringComparison.Ordinal) && !result.Out.Contains("left as it is", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deploy_skips_an_integration_that_exists_and_sends_no_comment_and_no_semicolon_in_a_string()
    {
        File.WriteAllText(Path.Combine(_dir, CustomerTrack.Configuration.SettingsLoader.FileName),
            Settings(stageUrl: "s3://example-bucket/customertrack", SnowflakeSamples.OrdersSettings));
        var account = new StandInAccount(Plan()) { Schema = false, Integration = true };
        _standIn.Answer = s => account.Answer(s) ?? StandInReply.Done();

        var result = await CliRunner.RunAsync("snowflake", "deploy", "-w", _dir);

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("storage integration \"CUSTOMERTRACK_S3\" exists: its CREATE is skipped", result.Out);
        var ran = _standIn.Ran.ToList();
        Assert.DoesNotContain(ran, s => s.StartsWith("CREATE STORAGE INTEGRATION", StringComparison.Ordinal));
        Assert.Contains(ran, s => s.Contains("FIELD_DELIMITER = '\\x3B'", StringComparison.Ordinal));
        foreach (var post in _standIn.Requests.Where(r => r.Method == "POST"))
        {
            Assert.Equal(SqlScript.WithoutComments(post.Statement!), post.Statement);
            Assert.DoesNotContain(Strings().Matches(post.Statement!), m => m.Value.Contains(';', StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Deploy_runs_the_session_in_the_warehouse_of_the_flag_and_warns_when_there_is_none()
    {
        var account = new StandInAccount(Plan()) { Schema = false };
        _standIn.Answer = s => account.Answer(s) ?? StandInReply.Done();

        var flagged = await CliRunner.RunAsync("snowflake", "deploy", "-w", _dir, "--warehouse", "deploy_wh");
        File.WriteAllText(Path.Combine(_dir, CustomerTrack.Configuration.SettingsLoader.FileName),
            Settings(stageUrl: "s3://example-bucket/customertrack").Replace("\"ct_wh\"", "\"\"", StringComparison.Ordinal));
        var none = await CliRunner.RunAsync("snowflake", "deploy", "-w", _dir, "--serverless");

        Assert.True(flagged.Code == 0, flagged.ToString());
        Assert.All(_standIn.Requests.Where(r => r.Method == "POST").Take(3), r => Assert.Equal("deploy_wh", r.Body!["warehouse"]?.GetValue<string>()));
        Assert.Contains("WAREHOUSE = \"DEPLOY_WH\"", string.Join("\n", _standIn.Ran));
        Assert.Contains("no warehouse for the SQL API session", none.Err);
    }

    /// <summary>The plan the workspace's settings make (the customer table unless a test changed them).</summary>
    private SnowflakePlan Plan()
    {
        var settings = CustomerTrack.Configuration.SettingsLoader.Load(_dir);
        return new SnowflakePlan(settings.Definitions[0], SnowflakePlanOptions.From(settings));
    }

    private StandInAccount Drifted(params string[] changes)
    {
        var account = new StandInAccount(Plan());
        foreach (var change in changes)
        {
            switch (change)
            {
                case "column":
                    account.Columns["CUSTOMER_HISTORY"].RemoveAll(c => c.Name == "EMAIL");
                    break;
                case "delimiter":
                    account.Format["FIELD_DELIMITER"] = ";";
                    break;
                case "stage":
                    account.StageUrl = "s3://old-bucket/customer/";
                    break;
                case "pipe":
                    account.PipeCopy = account.PipeCopy.Replace("ON_ERROR = CONTINUE", "ON_ERROR = SKIP_FILE", StringComparison.Ordinal);
                    break;
                case "table":
                    account.Columns.Remove("CUSTOMER_LEDGER");
                    break;
                case "schema":
                    account.Schema = false;
                    break;
            }
        }

        return account;
    }

    [System.Text.RegularExpressions.GeneratedRegex("'(?:[^']|'')*'")]
    private static partial System.Text.RegularExpressions.Regex Strings();

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    public void Dispose()
    {
        _keys.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
