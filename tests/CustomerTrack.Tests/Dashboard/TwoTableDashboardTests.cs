using System.Text.RegularExpressions;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>A run on a workspace with two tables: customer (the default) and product (a composite key, in landing/product/).</summary>
public sealed class TwoTableDashboardRun : DashboardRun
{
    public const string Products = """
        sku,region,name,price,changed_at,kind
        A-1,EU,Widget,12.50,2026-03-01T09:00:00Z,c
        A-2,US,Gadget,3.25,2026-03-01T10:00:00Z,c
        A-1,EU,Widget,11.90,2026-03-02T09:00:00Z,u

        """;

    /// <summary>customertrack.json: customer, the default table, and product.</summary>
    public const string Settings = """
            {
              "Tables": {
                "customer": {
                  "Format": "csv", "Default": true,
                  "Key": ["customer_id"],
                  "Columns": { "customer_id": "int64", "first_name": "string", "last_name": "string", "email": "string",
                               "street": "string", "city": "string", "state": "string", "country": "string" },
                  "EventTime": "updated_at",
                  "Op": { "Column": "op", "Values": { "INSERT": "INSERT", "UPDATE": "UPDATE", "DELETE": "DELETE" } }
                },
                "product": {
                  "Format": "csv",
                  "Key": ["sku", "region"],
                  "Columns": { "sku": "string", "region": "string", "name": "string", "price": "decimal(12,2)" },
                  "EventTime": "changed_at",
                  "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE", "d": "DELETE" } }
                }
              }
            }
            """;

    private protected override int Arrange(TempWorkspace tmp)
    {
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), Settings);
        tmp.Land("first.csv", Samples.First);
        tmp.Land("second.csv", Samples.Second);
        var folder = Directory.CreateDirectory(Path.Combine(tmp.Landing, "product")).FullName;
        File.WriteAllText(Path.Combine(folder, ".products.csv.tmp"), Products);
        File.Move(Path.Combine(folder, ".products.csv.tmp"), Path.Combine(folder, "products.csv"));
        File.SetLastWriteTimeUtc(Path.Combine(folder, "products.csv"), DateTime.UtcNow.AddSeconds(-5));
        return 3;
    }
}

/// <summary>The dashboard of a workspace with two tables: a picker, every panel of the picked table only, composite keys.</summary>
public sealed class TwoTableDashboardTests(TwoTableDashboardRun run) : IClassFixture<TwoTableDashboardRun>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 30_000 };

    [Fact]
    public async Task The_picker_switches_every_panel_to_the_picked_tables_rows() =>
        await run.WithPageAsync(nameof(The_picker_switches_every_panel_to_the_picked_tables_rows), async page =>
        {
            var status = await run.WaitIdleAsync(3);
            var tables = status.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!);
            await Expect(page.Locator("#table-picker option")).ToHaveCountAsync(2);
            await Expect(page.Locator("#table-picker")).ToHaveValueAsync("customer");

            // customer, the default: its own files and task runs only, its counts as status --json gives them.
            await Expect(page.Locator("#table-name")).ToHaveTextAsync("customer", Slow);
            await Expect(page.Locator("#loads-table tbody tr")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
            await Expect(page.Locator("#loads-table tbody tr", new() { HasText = "products.csv" })).ToHaveCountAsync(0);
            await Expect(page.Locator("#table-status-table tr[data-key=currentRows] td").Nth(1))
                .ToHaveTextAsync(tables["customer"].GetProperty("current_rows").GetRawText(), Slow);

            await page.SelectOptionAsync("#table-picker", "product");
            await Expect(page.Locator("#table-name")).ToHaveTextAsync("product", Slow);
            await Expect(page.Locator("#loads-table tbody tr")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(page.Locator("#loads-table tbody tr").Nth(0)).ToContainTextAsync("products.csv");
            foreach (var key in new[] { "ledgerRows", "currentRows", "versions", "streamLag" })
            {
                await Expect(page.Locator($"#table-status-table tr[data-key={key}] td").Nth(1))
                    .ToHaveTextAsync(tables["product"].GetProperty(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(key)).GetRawText(), Slow);
            }

            await Expect(page.Locator("#flow-table tr[data-stage=tables] td").Nth(5)).ToHaveTextAsync(
                $"{tables["product"].GetProperty("current_rows")} rows in product, {tables["product"].GetProperty("versions")} versions in product_history", Slow);
            var runs = page.Locator("#tasks-table tbody tr");
            Assert.Equal(tables["product"].GetProperty("task_runs").GetInt64(), await runs.CountAsync());
            Assert.Contains("table=product", page.Url, StringComparison.Ordinal);

            // A tile per table at the top; a click on one shows that table.
            await Expect(page.Locator("#tile-list li")).ToHaveCountAsync(2);
            await Expect(page.Locator("#tile-list li.shown")).ToHaveAttributeAsync("data-table", "product", new() { Timeout = 30_000 });
            await page.ClickAsync("#tile-list li[data-table=customer]");
            await Expect(page.Locator("#table-name")).ToHaveTextAsync("customer", Slow);
            await Expect(page.Locator("#table-picker")).ToHaveValueAsync("customer");
        });

    [Fact]
    public async Task The_timeline_takes_a_composite_key() =>
        await run.WithPageAsync(nameof(The_timeline_takes_a_composite_key), async page =>
        {
            await page.GotoAsync(run.Url + "?table=product");
            await Expect(page.Locator("body[data-snapshot-at]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(page.Locator("#table-picker")).ToHaveValueAsync("product");
            await Expect(page.Locator("#entity-keys input")).ToHaveCountAsync(2);
            await page.FillAsync("#entity-keys input[name=sku]", "A-1");
            await page.FillAsync("#entity-keys input[name=region]", "EU");
            await page.FillAsync("#entity-asof", "2026-03-01T12:00:00Z");
            await page.ClickAsync("#entity-go");
            var rows = page.Locator("#entity-table tbody tr");
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(page.Locator("#entity-timeline .version")).ToHaveCountAsync(2);
            await Expect(page.Locator("#entity-table tbody tr[data-as-of=true]")).ToContainTextAsync("12.5");
            await Expect(rows.Nth(1)).ToContainTextAsync("11.9");
            await Expect(rows.Nth(0)).ToContainTextAsync(new Regex("products_[0-9a-f]+\\.csv:2"));

            // The same sku in another region is another key.
            await page.FillAsync("#entity-keys input[name=region]", "US");
            await page.ClickAsync("#entity-go");
            await Expect(page.Locator("#entity-note")).ToHaveTextAsync("no sku=A-1, region=US in product_history");
        });
}
