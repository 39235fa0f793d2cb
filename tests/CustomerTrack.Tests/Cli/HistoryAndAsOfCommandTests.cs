using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

public sealed class HistoryAndAsOfCommandTests(SampleWorkspace sample) : IClassFixture<SampleWorkspace>
{
    private const string AsOfHeader = "customer_id,first_name,last_name,email,street,city,state,country,valid_from";
    private const string Ada = "7,Ada,Lovelace,ada@example.org,,London,,,2026-03-01 09:00:00";
    private const string AdaInParis = "7,Ada,Lovelace,ada@example.org,,Paris,,,2026-03-02 09:00:00.5";
    private const string AdaInRome = "7,Ada,King,ada.king@example.org,,Rome,,,2026-03-05 09:00:00";
    private const string Alan = "8,Alan,Turing,,,\"Wilmslow, Cheshire\",,,2026-03-01 12:00:00";

    private async Task<string[]> AsOf(string moment, params string[] more) =>
        CliAssert.Succeeded(await CliRunner.RunAsync(["as-of", moment, "-w", sample.Dir, "--format", "csv", .. more]));

    [Fact]
    public async Task History_lists_every_version_of_a_customer_oldest_first_with_its_interval()
    {
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("history", "7", "-w", sample.Dir, "--format", "csv"));
        Assert.Equal(
        [
            "customer_id,first_name,last_name,email,street,city,state,country,start_time,end_time,is_current,is_deleted",
            "7,Ada,Lovelace,ada@example.org,,London,,,2026-03-01 09:00:00,2026-03-02 09:00:00.5,false,false",
            "7,Ada,Lovelace,ada@example.org,,Paris,,,2026-03-02 09:00:00.5,2026-03-03 09:00:00,false,false",
            "7,Ada,King,ada.king@example.org,,Rome,,,2026-03-05 09:00:00,9999-12-31 00:00:00,true,false",
        ], lines);
    }

    [Fact]
    public async Task History_prints_a_table_by_default_and_no_rows_for_an_unknown_customer()
    {
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("history", "8", "-w", sample.Dir));
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("customer_id | first_name | last_name |", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^\s+8 \| Alan\s+\| Turing\s+\|.*\| 2026-03-01 12:00:00 \| 9999-12-31 00:00:00 \| true\s+\| false$", lines[2]);
        Assert.Equal("(1 row)", lines[3]);

        Assert.Equal("(0 rows)", CliAssert.Succeeded(await CliRunner.RunAsync("history", "404", "-w", sample.Dir))[^2]);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("7.5")]
    [InlineData("99999999999999999999")]
    public async Task History_refuses_a_customer_id_that_is_not_a_whole_number(string id)
    {
        CliAssert.OneLineError(await CliRunner.RunAsync("history", id, "-w", sample.Dir), $"CUSTOMER_ID '{id}'", "whole number");
    }

    [Fact]
    public async Task History_says_clearly_when_the_workspace_does_not_exist()
    {
        var missing = Path.Combine(sample.Dir, "no-such-workspace");
        CliAssert.OneLineError(await CliRunner.RunAsync("history", "7", "-w", missing), "does not exist");
    }

    [Fact]
    public async Task As_of_returns_the_table_as_it_stood_at_each_moment_including_a_delete_and_a_re_creation()
    {
        Assert.Equal([AsOfHeader], await AsOf("2026-02-28T23:59:59Z"));
        Assert.Equal([AsOfHeader, Ada], await AsOf("2026-03-01T10:00:00Z"));

        // Intervals are half-open: a version holds from its start, inclusive, to its end, exclusive.
        Assert.Equal([AsOfHeader, Ada], await AsOf("2026-03-01 09:00:00"));
        Assert.Equal([AsOfHeader, Ada, Alan], await AsOf("2026-03-01 12:00:00"));
        Assert.Equal([AsOfHeader, Ada, Alan], await AsOf("2026-03-02T09:00:00.4Z"));
        Assert.Equal([AsOfHeader, AdaInParis, Alan], await AsOf("2026-03-02T09:00:00.5Z"));

        // Deleted at 2026-03-03 09:00 and re-created at 2026-03-05 09:00.
        Assert.Equal([AsOfHeader, AdaInParis, Alan], await AsOf("2026-03-03T08:59:59.999999Z"));
        Assert.Equal([AsOfHeader, Alan], await AsOf("2026-03-03T09:00:00Z"));
        Assert.Equal([AsOfHeader, Alan], await AsOf("2026-03-04"));
        Assert.Equal([AsOfHeader, AdaInRome, Alan], await AsOf("2026-03-05T09:00:00Z"));
        Assert.Equal([AsOfHeader, AdaInRome, Alan], await AsOf("2030-01-01T00:00:00Z"));
    }

    [Fact]
    public async Task As_of_reads_an_offset_as_that_offset_and_no_offset_as_utc()
    {
        // 10:30 at +02:00 is 08:30 UTC, before the delete at 09:00 UTC; 10:30 without an offset is after it.
        Assert.Equal([AsOfHeader, AdaInParis, Alan], await AsOf("2026-03-03T10:30:00+02:00"));
        Assert.Equal([AsOfHeader, Alan], await AsOf("2026-03-03T10:30:00"));
    }

    [Fact]
    public async Task As_of_with_a_customer_shows_only_that_customer_and_nothing_while_it_was_deleted()
    {
        Assert.Equal([AsOfHeader, AdaInParis], await AsOf("2026-03-02T12:00:00Z", "--key", "7"));
        Assert.Equal([AsOfHeader], await AsOf("2026-03-04T00:00:00Z", "--key", "7"));
        Assert.Equal([AsOfHeader, AdaInRome], await AsOf("2026-03-06T00:00:00Z", "--key", "7"));
        Assert.Equal([AsOfHeader, Alan], await AsOf("2026-03-04T00:00:00Z", "--key", "8"));

        var table = CliAssert.Succeeded(await CliRunner.RunAsync("as-of", "2026-03-04", "--key", "7", "-w", sample.Dir));
        Assert.Equal(["(0 rows)", "no version holds at 2026-03-04 00:00:00: it was deleted then"], table[^2..]);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-01")]
    [InlineData("2026-03-01T25:00:00Z")]
    [InlineData("03/01/2026")]
    public async Task As_of_refuses_a_timestamp_it_cannot_read_and_shows_how_to_write_one(string moment)
    {
        CliAssert.OneLineError(await CliRunner.RunAsync("as-of", moment, "-w", sample.Dir), $"as-of '{moment}' is not an ISO 8601 timestamp", "2026-11-27T10:15:00Z");
    }

    [Fact]
    public async Task As_of_refuses_a_key_that_is_not_a_number_and_a_format_it_does_not_know()
    {
        CliAssert.OneLineError(await CliRunner.RunAsync("as-of", "2026-03-04", "--key", "ada", "-w", sample.Dir), "CUSTOMER_ID 'ada' is not a customer_id", "whole number");
        CliAssert.OneLineError(await CliRunner.RunAsync("as-of", "2026-03-04", "--format", "yaml", "-w", sample.Dir), "'yaml'", "'json'");
    }

    [Fact]
    public async Task As_of_ignores_tombstone_rows_when_deletes_are_kept_as_versions()
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), """{ "Scd": { "DeleteMode": "tombstone-row" } }""");
        await Samples.LoadBothAsync(tmp);
        Assert.Equal(1, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_history WHERE is_deleted AND customer_id = 7"));

        var moment = CliAssert.Succeeded(await CliRunner.RunAsync("as-of", "2026-03-04", "-w", tmp.Dir, "--format", "csv"));
        Assert.Equal([AsOfHeader, Alan], moment);
    }
}
