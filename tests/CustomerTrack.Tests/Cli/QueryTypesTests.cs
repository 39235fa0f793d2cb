using System.Text.Json;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// DuckDB's types print as DuckDB's own CLI prints them (not as .NET type names, not as a crash), and data cannot
/// drive the terminal: control characters are escaped in table and CSV output.
/// </summary>
public sealed class QueryTypesTests : IClassFixture<SampleWorkspace>
{
    private readonly SampleWorkspace _ws;

    public QueryTypesTests(SampleWorkspace ws) => _ws = ws;

    [Theory]
    [InlineData("'\\xAA\\x00ab'::BLOB", "\\xAA\\x00ab")]
    [InlineData("INTERVAL '1 year 2 months 3 days 04:05:06.5'", "1 year 2 months 3 days 04:05:06.5")]
    [InlineData("'infinity'::TIMESTAMP", "infinity")]
    [InlineData("'-infinity'::TIMESTAMP", "-infinity")]
    [InlineData("'infinity'::DATE", "infinity")]
    [InlineData("12345678901234567890123456789012345678::DECIMAL(38,0)", "12345678901234567890123456789012345678")]
    [InlineData("union_value(num := 2)::UNION(num INT, str VARCHAR)", "2")]
    [InlineData("[1, 2, NULL]", "\"[1, 2, NULL]\"")]
    [InlineData("{'a': 1, 'b': 'x'}", "\"{'a': 1, 'b': x}\"")]
    [InlineData("MAP {'k': 1}", "{k=1}")]
    [InlineData("TIMESTAMP '2026-03-02 09:00:00.5'", "2026-03-02 09:00:00.5")]
    public async Task A_value_of_each_DuckDB_type_prints_as_DuckDB_prints_it(string expression, string csv)
    {
        var result = await CliRunner.RunAsync("query", $"SELECT {expression} AS v, 1 AS n", "-w", _ws.Dir, "--format", "csv");
        Assert.Equal(["v,n", csv + ",1"], CliAssert.Succeeded(result));
        var table = await CliRunner.RunAsync("query", $"SELECT {expression} AS v", "-w", _ws.Dir);
        Assert.True(table.Code == 0, table.ToString());
    }

    [Fact]
    public async Task A_DECIMAL_38_stays_a_number_in_JSON()
    {
        var result = await CliRunner.RunAsync("query", "SELECT 12345678901234567890123456789012345678::DECIMAL(38,0) AS d, 'x'::BLOB AS b", "-w", _ws.Dir, "--format", "json");
        using var doc = JsonDocument.Parse(CliAssert.Succeeded(result) is { } _ ? result.Out : "");
        var row = doc.RootElement.EnumerateArray().Single();
        Assert.Equal("12345678901234567890123456789012345678", row.GetProperty("d").GetRawText());
        Assert.Equal("x", row.GetProperty("b").GetString());
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("table")]
    public async Task Control_characters_in_data_are_escaped_so_they_cannot_drive_the_terminal(string format)
    {
        var sql = "SELECT 'a' || chr(27) || '[31mred' || chr(7) || chr(27) || ']0;title' || chr(7) || chr(155) || 'z' AS v";
        var result = await CliRunner.RunAsync("query", sql, "-w", _ws.Dir, "--format", format);
        Assert.True(result.Code == 0, result.ToString());
        Assert.DoesNotContain(result.Out, c => c < 0x20 && c is not '\n' and not '\r' || c is >= (char)0x7F and <= (char)0x9F);
        Assert.Contains("a\\x1B[31mred\\x07\\x1B]0;title\\x07\\x9Bz", result.Out, StringComparison.Ordinal);
    }
}
