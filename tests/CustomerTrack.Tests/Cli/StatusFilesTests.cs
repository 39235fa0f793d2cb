using System.Text.Json;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

public sealed class StatusFilesTests
{
    [Fact]
    public async Task Status_files_accounts_for_every_row_of_every_file_with_reason_counts()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("good.csv", "customer_id,first_name,updated_at\n1,Ada,2026-11-01T00:00:00Z\n2,Alan,2026-11-01T00:00:01Z\n");
        tmp.Land("mixed.csv", """
            customer_id,first_name,updated_at,op
            3,Grace,2026-11-01T00:00:02Z,I
            x,Bad,2026-11-01T00:00:03Z,I
            y,Bad,2026-11-01T00:00:04Z,I
            4,Bad,yesterday,I
            5,Bad,2026-11-01T00:00:05Z,MERGE

            """);
        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "--allow-rejects", "-w", tmp.Dir)).Code);

        var json = await CliRunner.RunAsync("status", "--files", "--json", "-w", tmp.Dir);
        Assert.True(json.Code == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var files = doc.RootElement.GetProperty("files").EnumerateArray()
            .ToDictionary(f => f.GetProperty("file_key").GetString()!.Split('/')[^1].Split('_')[0]);
        Assert.Equal(2, files.Count);
        foreach (var f in files.Values)
        {
            Assert.Equal(f.GetProperty("rows_in_file").GetInt64(), f.GetProperty("rows_loaded").GetInt64() + f.GetProperty("rows_rejected").GetInt64());
        }

        Assert.Equal("LOADED", files["good"].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, files["good"].GetProperty("reject_reasons").ValueKind);
        var mixed = files["mixed"];
        Assert.Equal(5, mixed.GetProperty("rows_in_file").GetInt64());
        Assert.Equal(1, mixed.GetProperty("rows_loaded").GetInt64());
        Assert.Equal(4, mixed.GetProperty("rows_rejected").GetInt64());
        Assert.Equal(
            "customer_id: 'x' is not a 64-bit integer (2); op: 'MERGE' is not one of UPSERT, INSERT, UPDATE, DELETE, I, U, D (1); "
            + "updated_at: 'yesterday' is not an ISO 8601 timestamp (like 2026-11-27T10:15:00Z) (1)",
            mixed.GetProperty("reject_reasons").GetString());

        var table = await CliRunner.RunAsync("status", "--files", "-w", tmp.Dir);
        Assert.True(table.Code == 0, table.ToString());
        Assert.Contains("load         2 file(s) loaded (0 failed): 3 rows in, 4 rejected", table.Out, StringComparison.Ordinal);
        Assert.Contains("PARTIALLY_LOADED", table.Out, StringComparison.Ordinal);
        Assert.Contains("(2 rows)", table.Out, StringComparison.Ordinal);
    }
}
