using CustomerTrack.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>
/// A run on a snapshot table partitioned by country (docs/semantics.md, rule 16): the 10:00 extract holds customers 1 to 4;
/// at 11:00 the NO extract holds customer 1 only, so customer 3 is deleted by its absence, and the IT extract holds 2 and 4.
/// </summary>
public sealed class SnapshotDashboardRun : DashboardRun
{
    public const string Settings = """
        { "Tables": { "customer": { "Default": true, "Mode": "snapshot", "Key": ["customer_id"], "EventTime": "updated_at",
          "Columns": { "customer_id": "int64", "first_name": "string", "city": "string", "country": "string" },
          "Snapshot": { "Partition": ["country"] } } } }
        """;

    private protected override int Arrange(TempWorkspace tmp)
    {
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), Settings);
        tmp.Land("night1.csv", """
            customer_id,first_name,city,country,updated_at
            1,Ann,Oslo,NO,2026-03-01T10:00:00Z
            2,Bob,Rome,IT,2026-03-01T10:00:00Z
            3,Cid,Bergen,NO,2026-03-01T10:00:00Z
            4,Dan,Milan,IT,2026-03-01T10:00:00Z

            """);
        tmp.Land("night2-no.csv", """
            customer_id,first_name,city,country,updated_at
            1,Ann,Oslo,NO,2026-03-01T11:00:00Z

            """);
        tmp.Land("night2-it.csv", """
            customer_id,first_name,city,country,updated_at
            2,Bob,Rome,IT,2026-03-01T11:00:00Z
            4,Dan,Turin,IT,2026-03-01T11:00:00Z

            """);
        return 3;
    }
}

/// <summary>The dashboard shows a snapshot's deletes by absence: in the entity timeline, its note, the tile and the load history.</summary>
public sealed class SnapshotDashboardTests(SnapshotDashboardRun run) : IClassFixture<SnapshotDashboardRun>
{
    private static readonly Microsoft.Playwright.LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 30_000 };

    private const string Absent = "deleted by absence (snapshot night2-no.csv)";

    [Fact]
    public async Task The_timeline_shows_a_version_a_snapshot_ended_by_leaving_the_key_out() =>
        await run.WithPageAsync(nameof(The_timeline_shows_a_version_a_snapshot_ended_by_leaving_the_key_out), async page =>
        {
            await run.WaitIdleAsync(3);
            await page.FillAsync("#entity-key", "3");
            await page.ClickAsync("#entity-go");
            await Expect(page.Locator("#entity-timeline .version")).ToHaveCountAsync(1);
            await Expect(page.Locator("#entity-timeline .version.absent")).ToHaveCountAsync(1);
            await Expect(page.Locator("#entity-timeline .absence")).ToHaveTextAsync(Absent);
            await Expect(page.Locator("#entity-table tbody tr")).ToHaveAttributeAsync("data-deleted-by", Absent);
            await Expect(page.Locator("#entity-table tbody tr")).ToContainTextAsync(Absent);

            // A key whose version a change ended, and one still live, carry no such mark.
            foreach (var key in new[] { "4", "1" })
            {
                await page.FillAsync("#entity-key", key);
                await page.ClickAsync("#entity-go");
                await Expect(page.Locator("#entity-table tbody tr").First).ToBeVisibleAsync();
                await Expect(page.Locator("#entity-timeline .absence")).ToHaveCountAsync(0);
                await Expect(page.Locator("#entity-table tbody tr[data-deleted-by]")).ToHaveCountAsync(0);
            }

            await page.FillAsync("#entity-key", "3");
            await page.FillAsync("#entity-asof", "2026-03-01T11:30:00Z");
            await page.ClickAsync("#entity-go");
            await Expect(page.Locator("#entity-note")).ToHaveTextAsync($"no version holds at 2026-03-01 11:30:00: it was {Absent} at 2026-03-01 11:00:00");
        });

    [Fact]
    public async Task The_tile_and_the_load_history_count_the_deletes_by_absence() =>
        await run.WithPageAsync(nameof(The_tile_and_the_load_history_count_the_deletes_by_absence), async page =>
        {
            await run.WaitIdleAsync(3);
            await Expect(page.Locator("#tile-list li[data-table=customer] .absent")).ToHaveTextAsync("1 deleted by absence in 5 min", Slow);

            // The delete is counted on the file whose load wrote it: the NO extract, or the 10:00 one if that loaded last.
            await Expect(page.Locator("#loads-table tbody tr")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
            var counts = await page.Locator("#loads-table tbody tr td:nth-child(6)").AllTextContentsAsync();
            Assert.Equal(["0", "0", "1"], counts.Order(StringComparer.Ordinal));
        });
}
