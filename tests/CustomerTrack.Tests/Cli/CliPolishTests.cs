using System.Text.Json;
using CustomerTrack.Cli;
using CustomerTrack.Cli.Output;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>Issue 13 item 6: help, typos, JSON keys and timestamps, stdin, NDJSON, NULL vs empty, why an answer is empty.</summary>
public sealed class CliPolishTests(SampleWorkspace ws) : IClassFixture<SampleWorkspace>
{
    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var command in CliHelp.All(Program.Build()))
        {
            data.Add(CliHelp.PathOf(command));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task Help_names_customertrack_and_shows_examples(string path)
    {
        string[] command = path.Length == 0 ? [] : path.Split(' ');
        var help = CliAssert.Succeeded(await CliRunner.RunAsync([.. command, "--help"]));
        var text = string.Join('\n', help);
        Assert.DoesNotContain("CustomerTrack.Cli", text, StringComparison.Ordinal);
        Assert.Contains("Usage:\n  customertrack" + (path.Length == 0 ? "" : " " + path), text, StringComparison.Ordinal);
        var examples = help.SkipWhile(l => l != "Examples:").Skip(1).ToArray();
        Assert.NotEmpty(examples);
        Assert.All(examples, e => Assert.Contains("customertrack ", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bare_customertrack_prints_the_help() =>
        Assert.Equal(await CliRunner.RunAsync("--help"), await CliRunner.RunAsync());

    [Theory]
    [InlineData("stauts", "did you mean 'status'?")]
    [InlineData("histroy", "did you mean 'history'?")]
    [InlineData("exprot", "did you mean 'export'?")]
    public async Task A_typo_gets_a_suggestion(string typo, string suggestion)
    {
        var result = await CliRunner.RunAsync(typo);
        CliAssert.OneLineError(result, $"'{typo}'", suggestion);
        Assert.Equal(2, result.Code);
    }

    [Fact]
    public async Task Status_json_and_query_json_share_snake_case_keys_and_iso_utc_timestamps()
    {
        var status = JsonDocument.Parse((await CliRunner.RunAsync("status", "--json", "-w", ws.Dir)).Out).RootElement;
        Assert.All(status.EnumerateObject(), p => Assert.Equal(JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), p.Name));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", status.GetProperty("last_task_run_at").GetString());

        var rows = JsonDocument.Parse(CliAssert.Succeeded(await CliRunner.RunAsync(
            "query", "SELECT customer_id, start_time, end_time FROM customer_history WHERE customer_id = 7 ORDER BY start_time", "--format", "json", "-w", ws.Dir))
            .Aggregate((a, b) => a + "\n" + b)).RootElement;
        Assert.Equal("2026-03-01T09:00:00Z", rows[0].GetProperty("start_time").GetString());
        Assert.Equal("2026-03-02T09:00:00.5Z", rows[0].GetProperty("end_time").GetString());
        Assert.Equal("9999-12-31T00:00:00Z", rows[2].GetProperty("end_time").GetString());
    }

    [Fact]
    public async Task Ndjson_writes_one_object_a_line()
    {
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync(
            "query", "SELECT customer_id, city, update_timestamp FROM customer ORDER BY 1", "--format", "ndjson", "-w", ws.Dir));
        Assert.Equal(
            [
                """{"customer_id":7,"city":"Rome","update_timestamp":"2026-03-05T09:00:00Z"}""",
                """{"customer_id":8,"city":"Wilmslow, Cheshire","update_timestamp":"2026-03-01T12:00:00Z"}""",
            ], lines);
    }

    [Theory]
    [InlineData("SELECT count(*) AS n FROM customer", "csv", "n|2")]
    [InlineData("SELECT 'it''s' AS s\n-- a comment on its own line\n", "csv", "s|it's")]
    public async Task Query_dash_reads_the_sql_from_stdin(string sql, string format, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(["query", "-", "--format", format, "-w", ws.Dir], output, error, default, new StringReader(sql));
        Assert.True(code == 0, error.ToString());
        Assert.Equal(expected.Split('|'), CliAssert.Lines(output.ToString()));
    }

    [Fact]
    public async Task Table_output_tells_null_from_the_empty_string()
    {
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("query", "SELECT NULL AS n, '' AS e, 'x' AS x", "-w", ws.Dir));
        Assert.Equal(["n    | e | x", "-----+---+--", "NULL |   | x", "(1 row)"], lines);
    }

    [Theory]
    [InlineData("no customer_id = 404 in customer_history", "history", "404")]
    [InlineData("2020-01-01 00:00:00 is before the first version in customer_history (2026-03-01 09:00:00)", "as-of", "2020-01-01")]
    [InlineData("2026-03-01 08:00:00 is before the first version (2026-03-01 09:00:00)", "as-of", "2026-03-01T08:00:00Z", "--key", "7")]
    [InlineData("no version holds at 2026-03-04 00:00:00: it was deleted then", "as-of", "2026-03-04T00:00:00Z", "--key", "7")]
    [InlineData("no customer_id = 404 in customer_history", "as-of", "2026-03-04T00:00:00Z", "--key", "404")]
    public async Task An_empty_answer_says_why(string why, params string[] command)
    {
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync([.. command, "-w", ws.Dir]));
        Assert.Equal(["(0 rows)", why], lines[^2..]);

        // Machine formats stay the bare answer.
        Assert.DoesNotContain(why, (await CliRunner.RunAsync([.. command, "--format", "csv", "-w", ws.Dir])).Out, StringComparison.Ordinal);
    }
}
