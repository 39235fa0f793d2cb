using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// A non-customer feed for the operating commands: <c>orders</c> in NDJSON with the composite key (order_id, line_no),
/// and a second table, <c>stock</c> in CSV, so that commands taking --table have something to leave out.
/// </summary>
internal static class OrdersFeed
{
    /// <summary>The settings; <paramref name="deletes"/> false leaves the op value <c>d</c> unmapped (the definition's bug).</summary>
    public static string Settings(bool deletes = true) => $$"""
        { "Tables": {
            "orders": { "Format": "ndjson", "Key": ["order_id", "line_no"],
              "Columns": { "order_id": "string", "line_no": "int64", "sku": "string", "qty": "int64", "changed_at": "timestamp" },
              "EventTime": "changed_at",
              "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE"{{(deletes ? ", \"d\": \"DELETE\"" : "")}} } } },
            "stock": { "Format": "csv", "Key": ["sku"], "Columns": { "sku": "string", "on_hand": "int64", "updated_at": "timestamp" },
              "EventTime": "updated_at" } } }
        """;

    /// <summary>Order A-1 with two lines, its second line changed, and a line deleted (kind d).</summary>
    public const string Mixed = """
        {"order_id":"A-1","line_no":1,"sku":"X","qty":2,"changed_at":"2026-03-01T09:00:00Z","kind":"c"}
        {"order_id":"A-1","line_no":2,"sku":"Y","qty":1,"changed_at":"2026-03-01T09:00:00Z","kind":"c"}
        {"order_id":"A-1","line_no":2,"sku":"Y","qty":3,"changed_at":"2026-03-01T10:00:00Z","kind":"u"}
        {"order_id":"A-1","line_no":1,"sku":"X","qty":2,"changed_at":"2026-03-01T11:00:00Z","kind":"d"}

        """;

    /// <summary>Two orders, whole (every kind mapped in either definition).</summary>
    public const string Clean = """
        {"order_id":"A-10","line_no":1,"sku":"Z","qty":5,"changed_at":"2026-03-02T09:00:00Z","kind":"c"}
        {"order_id":"B-2","line_no":1,"sku":"Z","qty":1,"changed_at":"2026-03-02T09:30:00Z","kind":"c"}

        """;

    /// <summary>Only deletes: with <c>d</c> unmapped every row is rejected (LOAD_FAILED).</summary>
    public const string Deletes = """
        {"order_id":"B-2","line_no":1,"sku":"Z","qty":1,"changed_at":"2026-03-02T12:00:00Z","kind":"d"}

        """;

    public const string Stock = "sku,on_hand,updated_at\nX,10,2026-03-01T08:00:00Z\nY,4,2026-03-01T08:00:00Z\n";

    public static void WriteSettings(TempWorkspace tmp, bool deletes = true) =>
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), Settings(deletes));

    /// <summary>Lands a file in landing/<paramref name="table"/>/ as a careful writer does (a dot name, then a rename).</summary>
    public static void Land(TempWorkspace tmp, string table, string name, string content)
    {
        var folder = Path.Combine(tmp.Landing, table);
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, "." + name + ".tmp");
        File.WriteAllText(temp, content);
        var final = Path.Combine(folder, name);
        File.Move(temp, final);
        File.SetLastWriteTimeUtc(final, DateTime.UtcNow.AddSeconds(-5));
    }

    /// <summary>The settings, the three order files and the stock file, through <c>run --once</c>.</summary>
    public static async Task<CliResult> LoadAsync(TempWorkspace tmp, bool deletes = true)
    {
        WriteSettings(tmp, deletes);
        Land(tmp, "orders", "mixed.ndjson", Mixed);
        Land(tmp, "orders", "clean.ndjson", Clean);
        Land(tmp, "orders", "deletes.ndjson", Deletes);
        Land(tmp, "stock", "stock.csv", Stock);
        return await CliRunner.RunAsync(["run", "--once", "--allow-rejects", .. tmp.CliArgs()]);
    }

    /// <summary>Both SCD tables of orders, every row, in a fixed order.</summary>
    public const string Tables = """
        SELECT 'current' AS t, order_id, line_no, sku, qty, update_timestamp AS at, NULL AS end_time FROM orders
        UNION ALL SELECT 'history', order_id, line_no, sku, qty, start_time, end_time FROM orders_history
        ORDER BY 1, 2, 3, 6
        """;
}
