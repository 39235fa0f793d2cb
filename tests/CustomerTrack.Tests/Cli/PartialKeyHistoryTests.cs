using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>history with part of a composite key: every key that has it (all lines of one order), each key's versions.</summary>
public sealed class PartialKeyHistoryTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task History_by_order_id_lists_every_line_of_the_order(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        Assert.Equal(0, (await OrdersFeed.LoadAsync(tmp)).Code);

        // A-1's two lines, key by key, oldest first; A-10 (whose id starts the same) is not among them.
        var history = CliAssert.Succeeded(await CliRunner.RunAsync(
            ["history", "--table", "orders", "--key", "order_id=A-1", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(
        [
            "A-1,1,X,2,2026-03-01 09:00:00,2026-03-01 11:00:00,false",
            "A-1,2,Y,1,2026-03-01 09:00:00,2026-03-01 10:00:00,false",
            "A-1,2,Y,3,2026-03-01 10:00:00,9999-12-31 00:00:00,true",
        ], history.Skip(1).Select(Pick));

        // The whole key still gives that key's versions only; a key column that is not one is refused.
        var one = CliAssert.Succeeded(await CliRunner.RunAsync(
            ["history", "--table", "orders", "--key", "order_id=A-1", "--key", "line_no=2", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(2, one.Length - 1);
        CliAssert.OneLineError(await CliRunner.RunAsync(["history", "--table", "orders", "--key", "sku=X", .. tmp.CliArgs()]),
            "'sku' is not a key column of table orders");

        // The table format says why a part matches nothing.
        var none = CliAssert.Succeeded(await CliRunner.RunAsync(["history", "--table", "orders", "--key", "order_id=Z-9", .. tmp.CliArgs()]));
        Assert.Contains("(0 rows)", none);
    }

    /// <summary>order_id, line_no, sku, qty, start_time, end_time, is_current of a csv history row.</summary>
    private static string Pick(string line)
    {
        var f = line.Split(',');
        return string.Join(',', f[0], f[1], f[2], f[3], f[^4], f[^3], f[^2]);
    }
}
