using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>The live dashboard in a real browser, against a real <c>run</c> (one per class, see <see cref="DashboardRun"/>).</summary>
public sealed partial class DashboardTests(DashboardRun run) : IClassFixture<DashboardRun>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 30_000 };

    [Fact]
    public async Task Flow_panel_counts_match_status_json() => await run.WithPageAsync(nameof(Flow_panel_counts_match_status_json), async page =>
    {
        var status = await run.WaitIdleAsync(4);
        foreach (var key in new[] { "landingPending", "lakePending", "filesLoaded", "filesFailed", "rowsLoaded", "rowsRejected", "streamLag", "keys", "versions" })
        {
            // The page's keys are its snapshot's (camelCase); status --json writes snake_case, like query's column names.
            var cli = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(key);
            await Expect(page.Locator($"#status-table tr[data-key={key}] td").Nth(1)).ToHaveTextAsync(status.GetProperty(cli).GetRawText(), Slow);

            // People read words, not the snapshot's key: "streamLag" is shown as "stream lag".
            await Expect(page.Locator($"#status-table tr[data-key={key}] td").Nth(0)).ToHaveTextAsync(cli.Replace('_', ' '), Slow);
        }

        var customer = status.GetProperty("tables")[0];
        foreach (var key in new[] { "filesLoaded", "filesFailed", "currentRows", "versions" })
        {
            await Expect(page.Locator($"#table-status-table tr[data-key={key}] td").Nth(1))
                .ToHaveTextAsync(customer.GetProperty(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(key)).GetRawText(), Slow);
        }

        // The unrouted file (landing/nosuch/) shows under the table, so the page's failed files are status's.
        var failed = status.GetProperty("files_failed").GetInt64();
        Assert.Equal(1, failed);
        await Expect(page.Locator("#loads-table tbody tr[data-status=LOAD_FAILED]", new() { HasText = "orphan" }))
            .ToContainTextAsync("unrouted: no table 'nosuch' is defined", new() { Timeout = 30_000 });
        await Expect(page.Locator("#loads-table tbody tr[data-status=LOAD_FAILED]")).ToHaveCountAsync((int)failed);
        await Expect(page.Locator("#flow-table tr[data-stage=load] td").Nth(5)).ToHaveTextAsync($"{failed} file(s) LOAD_FAILED, 1 row(s) rejected (last 5 min)", Slow);
        await Expect(page.Locator("#flow-diagram .node")).ToHaveCountAsync(8);
        await Expect(page.Locator("#flow-table tr[data-stage=load] td").Nth(4)).ToHaveTextAsync("2", Slow);
        await Expect(page.Locator("#queue-table tr[data-queue=stream] td").Nth(3)).ToHaveTextAsync("ok", Slow);

        // The table's tile at the top: when its rows last changed, and its freshness against the 1 s target.
        var tile = page.Locator("#tile-list li[data-table=customer]");
        await Expect(tile).ToContainTextAsync(new Regex(@"updated [0-9.]+ (s|min) ago"), new() { Timeout = 30_000 });
        await Expect(tile).ToContainTextAsync("target 1 s", new() { Timeout = 30_000 });
    });

    /// <summary>
    /// The page at a desktop window and at a phone's: a chart in the first screen (desktop), never a sideways scroll, the
    /// flow's boxes whole and readable, time labels apart, and the entity timeline's versions and table inside the panel.
    /// Each size is photographed into artifacts/: its first screen (dashboard-WxH.png) and the whole page (-full).
    /// </summary>
    [Theory]
    [InlineData(1400, 1000, true)]
    [InlineData(420, 900, false)]
    public async Task The_page_fits_the_window(int width, int height, bool chartInFirstScreen) =>
        await run.WithPageAsync($"{nameof(The_page_fits_the_window)}_{width}x{height}", async page =>
        {
            await Expect(page.Locator("#freshness-chart[data-label-gap]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(page.Locator("#throughput-chart[data-label-gap]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(page.Locator("#tasks-chart[data-label-gap]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            var artifacts = Path.Combine(DashboardRun.RepoRoot, "artifacts");
            Directory.CreateDirectory(artifacts);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, $"dashboard-{width}x{height}.png") });

            Assert.True(await page.EvaluateAsync<bool>("() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"),
                "the page scrolls sideways: " + await page.EvaluateAsync<string>("() => document.scrollingElement.scrollWidth + ' > ' + document.scrollingElement.clientWidth"));
            if (chartInFirstScreen)
            {
                var chart = (await page.Locator("#freshness-chart canvas").BoundingBoxAsync())!;
                Assert.True(chart.Y >= 0 && chart.Y + chart.Height <= height, $"the freshness chart is at {chart.Y}..{chart.Y + chart.Height}, past the first {height} px");
            }

            // Measured in one go: the diagram is redrawn with every snapshot.
            var boxes = await page.EvaluateAsync<double[][]>(
                "() => [...document.querySelectorAll('#flow-diagram .node')].map(n => { const r = n.getBoundingClientRect(); return [r.x, r.width]; })");
            Assert.Equal(8, boxes.Length);
            foreach (var (x, w) in boxes.Select(b => (b[0], b[1])))
            {
                Assert.True(x >= 0 && x + w <= width, $"a flow box is cut off: {x}..{x + w} of {width}");
                Assert.True(w >= 120, $"a flow box is {w} px wide");
            }

            foreach (var id in new[] { "freshness-chart", "throughput-chart", "tasks-chart" })
            {
                var gap = await page.Locator("#" + id).GetAttributeAsync("data-label-gap");
                Assert.True(gap == "none" || int.Parse(gap!, System.Globalization.CultureInfo.InvariantCulture) >= 0, $"{id}'s time labels overlap by {gap} px");
            }

            // Each chart spans its data's own time (a minute at least), not a fixed hour, and its y axes carry units.
            foreach (var (id, units) in new[] { ("freshness-chart", new[] { " s" }), ("throughput-chart", [" rows/s"]), ("tasks-chart", [" ms", " rows"]) })
            {
                var range = (await page.Locator("#" + id).GetAttributeAsync("data-x-range"))!.Split(' ')
                    .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.True(range.Length == 4, $"{id} has no data: {string.Join(' ', range)}");
                var (min, max, first, last) = (range[0], range[1], range[2], range[3]);
                Assert.True(min <= first && last <= max, $"{id} spans {min}..{max}, its data {first}..{last}");
                Assert.InRange(max - min, Math.Max(60, last - first) - 1, Math.Max(60, last - first) + 1);
                for (var axis = 0; axis < units.Length; axis++)
                {
                    var labels = (await page.Locator("#" + id).GetAttributeAsync($"data-axis-{axis + 1}"))!.Split('|').Where(l => l.Length > 0).ToList();
                    Assert.NotEmpty(labels);
                    Assert.All(labels, l => Assert.Matches($@"^-?[0-9.,]+{Regex.Escape(units[axis])}$", l));
                }
            }

            // Key 7's three versions, each wide enough to read, their start times apart, the table inside its panel.
            await page.FillAsync("#entity-key", "7");
            await page.ClickAsync("#entity-go");
            await Expect(page.Locator("#entity-timeline .version")).ToHaveCountAsync(3);
            var panel = (await page.Locator("#entity").BoundingBoxAsync())!;
            double right = double.MinValue;
            foreach (var version in await page.Locator("#entity-timeline .slot").AllAsync())
            {
                var bar = (await version.Locator(".version").BoundingBoxAsync())!;
                var tick = (await version.Locator(".tick").BoundingBoxAsync())!;
                Assert.True(bar.Width >= 90, $"a version is {bar.Width} px wide");
                Assert.True(tick.X >= right, $"a version's time label starts at {tick.X}, before the previous one ends at {right}");
                right = tick.X + tick.Width;
            }

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, $"dashboard-{width}x{height}-full.png"), FullPage = true });
            var table = (await page.Locator("#entity-table").BoundingBoxAsync())!;
            var scroller = (await page.Locator("#entity .scroll").BoundingBoxAsync())!;
            Assert.True(scroller.X + scroller.Width <= panel.X + panel.Width, "the entity table's box leaves its panel");
            if (width >= 1000)
            {
                Assert.True(table.Width <= scroller.Width + 1, $"the entity table is {table.Width} px wide in a {scroller.Width} px panel");
            }
        }, width, height);

    [Fact]
    public async Task Timeline_shows_a_keys_versions_and_the_one_holding_at_the_as_of_moment() =>
        await run.WithPageAsync(nameof(Timeline_shows_a_keys_versions_and_the_one_holding_at_the_as_of_moment), async page =>
        {
            await page.FillAsync("#entity-key", "7");
            await page.FillAsync("#entity-asof", "2026-03-02T12:00:00Z");
            await page.ClickAsync("#entity-go");
            var rows = page.Locator("#entity-table tbody tr");
            await Expect(rows).ToHaveCountAsync(3);
            await Expect(page.Locator("#entity-timeline .version")).ToHaveCountAsync(3);
            await Expect(page.Locator("#entity-table tbody tr[data-as-of=true]")).ToContainTextAsync("Paris");
            await Expect(rows.Nth(0)).ToContainTextAsync("London");
            await Expect(rows.Nth(2)).ToContainTextAsync("Rome");
            await Expect(rows.Nth(0)).ToContainTextAsync(new Regex("first_[0-9a-f]+\\.csv:2"));

            // Each version's values that differ from the version before are marked, with what they were.
            await Expect(rows.Nth(0).Locator("td.changed")).ToHaveCountAsync(0);
            await Expect(rows.Nth(1).Locator("td.changed")).ToHaveTextAsync(["Paris"]);
            await Expect(rows.Nth(1).Locator("td.changed")).ToHaveAttributeAsync("title", "was London");
            await Expect(rows.Nth(2).Locator("td.changed")).ToHaveTextAsync(["King", "ada.king@example.org", "Rome"]);
        });

    [Theory]
    [InlineData("404", "", "no customer_id 404 in customer_history")]
    [InlineData("7", "2020-01-01T00:00:00Z", "2020-01-01 00:00:00 is before its first version (2026-03-01 09:00:00)")]
    [InlineData("7", "2026-03-04T00:00:00Z", "no version holds at 2026-03-04 00:00:00: it was deleted then")]
    public async Task Timeline_says_why_it_shows_nothing(string key, string asOf, string note) =>
        await run.WithPageAsync(nameof(Timeline_says_why_it_shows_nothing) + "_" + key, async page =>
        {
            await page.FillAsync("#entity-key", key);
            await page.FillAsync("#entity-asof", asOf);
            await page.ClickAsync("#entity-go");
            await Expect(page.Locator("#entity-note")).ToHaveTextAsync(note);
        });

    [Fact]
    public async Task Load_history_shows_a_files_rejected_rows_on_a_click_and_filters_by_status() =>
        await run.WithPageAsync(nameof(Load_history_shows_a_files_rejected_rows_on_a_click_and_filters_by_status), async page =>
        {
            var bad = page.Locator("#loads-table tbody tr[data-status=PARTIALLY_LOADED]");
            await Expect(bad).ToContainTextAsync("line 3, customer_id: 'nine' is not a 64-bit integer", new() { Timeout = 30_000 });
            await bad.ClickAsync();
            await Expect(page.Locator("#rejects-table tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#rejects-table tbody tr td").Nth(0)).ToHaveTextAsync("3");
            await Expect(page.Locator("#rejects-table tbody tr td").Nth(3)).ToHaveTextAsync("nine,Bad,2026-03-04T10:00:00Z");

            await page.SelectOptionAsync("#load-status", "PARTIALLY_LOADED");
            await Expect(page.Locator("#loads-table tbody tr")).ToHaveCountAsync(1);
        });

    [Fact]
    public async Task A_freshly_landed_file_appears_without_a_reload() =>
        await run.WithPageAsync(nameof(A_freshly_landed_file_appears_without_a_reload), async page =>
        {
            await Expect(page.Locator("#tasks-table tbody tr")).Not.ToHaveCountAsync(0, new() { Timeout = 30_000 });
            run.Workspace.Land("late.csv", "customer_id,first_name,updated_at\n10,Barbara,2026-03-06T09:00:00Z\n");

            // Within 2 s of the pipeline having taken it through (a snapshot a second); a reload would reset the marker.
            await page.EvaluateAsync("() => { window.__notReloaded = true; }");
            var status = await run.WaitIdleAsync(5);
            Assert.True(status.GetProperty("files_loaded").GetInt64() >= 5, status.ToString());
            await Expect(page.Locator("#loads-table tbody tr", new() { HasText = "late.csv" })).ToHaveCountAsync(1, new() { Timeout = 2_000 });
            Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded");
        });

    [Theory]
    [InlineData("GET", "rebind.attacker.example", HttpStatusCode.BadRequest)]
    [InlineData("GET", "127.0.0.1", HttpStatusCode.OK)]
    [InlineData("GET", "localhost", HttpStatusCode.OK)]
    [InlineData("POST", "127.0.0.1", HttpStatusCode.MethodNotAllowed)]
    [InlineData("DELETE", "127.0.0.1", HttpStatusCode.MethodNotAllowed)]
    public async Task Only_GET_with_a_loopback_Host_header_is_answered(string method, string host, HttpStatusCode expected)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), run.Url);
        request.Headers.Host = host + ":" + new Uri(run.Url).Port;
        using var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.StartsWith("default-src 'none'; script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.DoesNotContain("<script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_counters_move_as_files_land_and_health_says_healthy()
    {
        using var http = new HttpClient();
        var before = await http.GetStringAsync(run.Url + "metrics");
        Assert.Contains("customertrack_queue_depth{", before, StringComparison.Ordinal);
        Assert.Contains("customertrack_stream_lag{", before, StringComparison.Ordinal);
        Assert.Contains("customertrack_task_duration_seconds_bucket{", before, StringComparison.Ordinal);
        Assert.Contains("customertrack_freshness_seconds_bucket{", before, StringComparison.Ordinal);

        var files = (int)(await run.WaitIdleAsync(4)).GetProperty("files_loaded").GetInt64();
        var loadedBefore = Sample(before, "customertrack_rows_total", "outcome=\"loaded\",stage=\"load\"");
        var filesBefore = Sample(before, "customertrack_files_total", "outcome=\"LOADED\",stage=\"load\"");
        run.Workspace.Land($"metrics{files}.csv", "customer_id,first_name,updated_at\n11,Edsger,2026-03-07T09:00:00Z\n12,Tony,2026-03-07T09:00:01Z\n");
        await run.WaitIdleAsync(files + 1);

        var after = await http.GetStringAsync(run.Url + "metrics");
        Assert.Equal(loadedBefore + 2, Sample(after, "customertrack_rows_total", "outcome=\"loaded\",stage=\"load\""));
        Assert.Equal(filesBefore + 1, Sample(after, "customertrack_files_total", "outcome=\"LOADED\",stage=\"load\""));
        Assert.Equal(0, Sample(after, "customertrack_stream_lag", ""));

        using var health = await http.GetAsync(run.Url + "health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"status\":\"healthy\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The value of the sample of <paramref name="metric"/> whose labels end with <paramref name="labels"/> (0 when absent).</summary>
    private static double Sample(string exposition, string metric, string labels)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(metric + "{", StringComparison.Ordinal)
            && l.Contains(labels + "}", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_page_is_photographed_for_the_readme() =>
        await run.WithPageAsync(nameof(The_page_is_photographed_for_the_readme), async page =>
        {
            // The first screen, as someone opening the page sees it: the tiles, the flow and the charts, drawn.
            await Expect(page.Locator("#freshness-chart[data-label-gap]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(page.Locator("#tasks-chart[data-label-gap]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(page.Locator("#tile-list li")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

            // Into artifacts/ on every run; the committed docs image changes only when asked (README, Development), so a
            // test run leaves the working tree clean.
            var artifacts = Path.Combine(DashboardRun.RepoRoot, "artifacts");
            Directory.CreateDirectory(artifacts);
            var shot = Path.Combine(artifacts, "dashboard.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot });
            Assert.True(new FileInfo(shot).Length > 10_000, "the screenshot is nearly empty");
            if (Environment.GetEnvironmentVariable("CT_UPDATE_DOCS_IMAGES") == "1")
            {
                File.Copy(shot, Path.Combine(DashboardRun.RepoRoot, "docs", "images", "dashboard.png"), overwrite: true);
            }
        });
}
