using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Security;

/// <summary>Nothing a file or a setting says becomes SQL: column names and settings are matched against the contract.</summary>
public sealed class InjectionTests
{
    [Fact]
    public async Task A_header_naming_sql_is_an_unknown_column_and_changes_nothing_else()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("evil.csv", "customer_id,\"first_name) ; DROP TABLE customer; --\",first_name,updated_at\n1,x,Ada,2026-11-01T00:00:00Z\n");
        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir)).Code);
        var ws = tmp.Open();
        Assert.Equal(["1|Ada"], Db.Rows(ws, "SELECT customer_id, first_name FROM customer"));
        Assert.Equal(["first_name) ; drop table customer; --"], Db.Rows(ws, "SELECT unknown_columns FROM load_history"));
    }

    [Fact]
    public async Task A_setting_naming_sql_instead_of_an_attribute_is_refused_before_anything_runs()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("a.csv", "customer_id,first_name\n1,Ada\n");
        var result = await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir, "--set", "Scd:TrackHistoryExcept:0=city) OR 1=1; --");
        Assert.Equal(1, result.Code);
        Assert.StartsWith("customertrack: setting Scd:TrackHistoryExcept: 'city) OR 1=1; --' is not allowed", result.Err, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(tmp.Landing, "*.csv"));
        Assert.False(File.Exists(Path.Combine(tmp.Dir, "warehouse.duckdb")));
    }

    [Fact]
    public async Task A_value_full_of_quotes_and_sql_is_stored_as_text()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("a.csv", "customer_id,first_name,city,updated_at\n1,\"O'Brien'); DELETE FROM customer; --\",\"Rome, \"\"Italy\"\"\",2026-11-01T00:00:00Z\n");
        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir)).Code);
        var query = await CliRunner.RunAsync("query", "SELECT first_name, city FROM customer", "--format", "csv", "-w", tmp.Dir);
        Assert.Equal("first_name,city\nO'Brien'); DELETE FROM customer; --,\"Rome, \"\"Italy\"\"\"\n", query.Out.ReplaceLineEndings("\n"));
    }
}
