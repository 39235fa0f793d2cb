using System.Text.Json.Nodes;
using CustomerTrack.Tests.Scd;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// What docs/semantics.md's examples (rules 17 and 18) do not show: export --known-at, changes in JSON and for one key,
/// and the usage errors, on a running pipeline (through its owner on DuckDB) with load times the test chooses.
/// </summary>
public sealed class KnownAtCommandTests
{
    private static readonly DateTime Eleven = new(2026, 1, 1, 11, 0, 0, DateTimeKind.Utc);

    private const string First = """
        customer_id,first_name,city,updated_at,op
        1,Ann,Oslo,2026-01-01T10:00:00Z,INSERT
        2,Bob,Rome,2026-01-01T10:00:00Z,INSERT

        """;

    /// <summary>Loaded at 12:00: customer 1 moved at 10:15 (late), customer 2 is deleted at 10:20.</summary>
    private const string Late = """
        customer_id,first_name,city,updated_at,op
        1,Ann,Bergen,2026-01-01T10:15:00Z,UPDATE
        2,,,2026-01-01T10:20:00Z,DELETE

        """;

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Export_and_changes_answer_as_known_then_and_as_known_now(Engine engine)
    {
        await using var run = await ScdRun.StartAsync(null, Eleven - TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), engine: engine, serveReaders: true);
        run.LandCsv("first.csv", First);
        await run.DrainAtAsync(Eleven);
        run.LandCsv("late.csv", Late);
        await run.DrainAtAsync(Eleven.AddHours(1));

        // export --known-at 11:30: the history of the first file alone, every version open.
        var then = Path.Combine(run.Dir, "then.csv");
        var export = await CliRunner.RunAsync(run.Cli("export", "--table", "customer_history", "--known-at", "2026-01-01T11:30:00Z", "--to", then));
        CliAssert.Succeeded(export);
        var lines = File.ReadAllLines(then);
        var header = lines[0].Split(',').ToList();
        var rows = lines.Skip(1).Select(l => l.Split(',')).Select(c => $"{c[header.IndexOf("customer_id")]},{c[header.IndexOf("city")]},{c[header.IndexOf("end_time")]}").ToList();
        Assert.Equal(["1,Oslo,9999-12-31 00:00:00", "2,Rome,9999-12-31 00:00:00"], rows);

        // changes in JSON, as known now: 1's city before and after, 2 deleted with its values before.
        var now = await CliRunner.RunAsync(run.Cli("changes", "--from", "2026-01-01T10:05:00Z", "--to", "2026-01-01T10:30:00Z", "--format", "json"));
        CliAssert.Succeeded(now);
        var changes = JsonNode.Parse(now.Out)!.AsArray();
        Assert.Equal(2, changes.Count);
        Assert.Equal(1, (long)changes[0]!["customer_id"]!);
        Assert.Equal("changed", (string)changes[0]!["change"]!);
        Assert.Equal("""{"city":{"before":"Oslo","after":"Bergen"}}""", changes[0]!["columns"]!.ToJsonString());
        Assert.Equal("deleted", (string)changes[1]!["change"]!);
        Assert.Equal("""{"first_name":{"before":"Bob","after":null},"city":{"before":"Rome","after":null}}""", changes[1]!["columns"]!.ToJsonString());

        // The same question as known at 11:30, for one key: nothing had changed.
        var before = await CliRunner.RunAsync(run.Cli("changes", "--from", "2026-01-01T10:05:00Z", "--to", "2026-01-01T10:30:00Z",
            "--key", "customer_id=1", "--known-at", "2026-01-01T11:30:00Z", "--format", "ndjson"));
        CliAssert.Succeeded(before);
        Assert.Equal("", before.Out);

        // An empty answer says why in the history as known then: customer 2 was not yet loaded at 10:59.
        var unknown = await CliRunner.RunAsync(run.Cli("as-of", "2026-01-01T10:30:00Z", "--key", "customer_id=2", "--known-at", "2026-01-01T10:59:00Z"));
        CliAssert.Succeeded(unknown);
        Assert.Contains("no customer_id = 2 in customer_history as known at 2026-01-01 10:59:00", unknown.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "changes", "--to", "2026-01-01" }, "--from")]
    [InlineData(new[] { "changes", "--from", "yesterday", "--to", "2026-01-01" }, "--from 'yesterday' is not an ISO 8601 timestamp")]
    [InlineData(new[] { "as-of", "2026-01-01", "--known-at", "noon" }, "--known-at 'noon' is not an ISO 8601 timestamp")]
    public async Task A_moment_missing_or_unreadable_is_a_usage_error(string[] args, string message)
    {
        using var tmp = new TempWorkspace();
        var result = await CliRunner.RunAsync([.. args, .. tmp.CliArgs()]);
        Assert.Equal(2, result.Code);
        Assert.Contains(message, result.Err, StringComparison.Ordinal);
    }
}
