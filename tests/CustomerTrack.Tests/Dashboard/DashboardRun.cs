using System.Text.Json;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using Microsoft.Playwright;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>
/// One real <c>run</c> (its own process, on a free port) on a real workspace holding <see cref="Samples"/> and a file with
/// a bad row, and one headless Debian Chromium (<c>/usr/bin/chromium</c>, never a downloaded browser), shared by the
/// tests of a class. Each test gets a fresh browser context.
/// </summary>
public class DashboardRun : IAsyncLifetime
{
    public const string BadFile = "customer_id,first_name,updated_at\n9,Grace,2026-03-04T09:00:00Z\nnine,Bad,2026-03-04T10:00:00Z\n";

    private readonly TempWorkspace _tmp = new();
    private WatchedProcess? _run;
    private IPlaywright? _playwright;

    internal TempWorkspace Workspace => _tmp;

    public string Url { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The repository's root (artifacts/ and docs/images/ are under it).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CustomerTrack.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("no CustomerTrack.slnx above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A file landed for a table no one defined: recorded LOAD_FAILED (unrouted), shown under every table.</summary>
    public const string Orphan = "sku,name\nA-1,Widget\n";

    /// <summary>Lands the files the run starts with (one of them unrouted, in landing/nosuch/); returns how many.</summary>
    private protected virtual int Arrange(TempWorkspace tmp)
    {
        tmp.Land("first.csv", Samples.First);
        tmp.Land("second.csv", Samples.Second);
        tmp.Land("bad.csv", BadFile);
        var nosuch = Directory.CreateDirectory(Path.Combine(tmp.Landing, "nosuch")).FullName;
        File.WriteAllText(Path.Combine(nosuch, ".orphan.csv.tmp"), Orphan);
        File.Move(Path.Combine(nosuch, ".orphan.csv.tmp"), Path.Combine(nosuch, "orphan.csv"));
        return 4;
    }

    public async Task InitializeAsync()
    {
        var files = Arrange(_tmp);

        // --for: the run stops by itself even if the test host dies without disposing this.
        _run = CliRunner.StartWatched("run", "-w", _tmp.Dir, "--for", "10m", "--set", "Dashboard:Port=0");
        var owner = Path.Combine(_tmp.Dir, "owner.json");
        await CliRunner.WaitUntilAsync(() => DashboardUrl(owner) is not null || _run.Process.HasExited, "run to record its dashboard", 60);
        Url = DashboardUrl(owner) ?? throw new InvalidOperationException("run exited: " + string.Join('\n', _run.Stderr));
        await WaitIdleAsync(files);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    /// <summary>
    /// Waits until the running owner says at least <paramref name="files"/> files are loaded and nothing waits in any stage;
    /// returns that status (as <c>status --json</c> printed it).
    /// </summary>
    public async Task<JsonElement> WaitIdleAsync(int files)
    {
        static bool Idle(JsonElement s) => s.GetProperty("landing_pending").GetInt64() == 0 && s.GetProperty("lake_pending").GetInt64() == 0
            && s.GetProperty("stream_lag").GetInt64() == 0;
        var result = await CliAssert.PollAsync(() => CliRunner.RunAsync("status", "--json", "-w", _tmp.Dir),
            r => r.Code == 0 && Json(r.Out).GetProperty("files_loaded").GetInt64() >= files && Idle(Json(r.Out)),
            $"{files} files to be loaded and applied", seconds: 60);
        return Json(result.Out);
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    internal static string? DashboardUrl(string ownerFile)
    {
        try
        {
            return File.Exists(ownerFile) && Json(File.ReadAllText(ownerFile)).TryGetProperty("Dashboard", out var url)
                && url.ValueKind == JsonValueKind.String ? url.GetString() : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs <paramref name="test"/> on a fresh page of the dashboard; a console error or a page error (a CSP violation, a
    /// script error) fails it, and a failure keeps a screenshot in artifacts/playwright/. The window is 1400×1000 unless
    /// <paramref name="width"/> and <paramref name="height"/> say otherwise (420×900: a phone).
    /// </summary>
    public async Task WithPageAsync(string name, Func<IPage, Task> test, int width = 1400, int height = 1000)
    {
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add("console: " + m.Text);
            }
        };
        page.PageError += (_, e) => errors.Add("page: " + e);
        try
        {
            await page.GotoAsync(Url);
            await Assertions.Expect(page.Locator("body[data-snapshot-at]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await test(page);
            Assert.True(errors.Count == 0, "the page reported errors:\n" + string.Join('\n', errors));
        }
        catch
        {
            var dir = Path.Combine(RepoRoot, "artifacts", "playwright");
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = true });
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_run is not null)
        {
            if (!_run.Process.HasExited)
            {
                _run.Process.Kill(entireProcessTree: true);
                await _run.Process.WaitForExitAsync();
            }

            _run.Dispose();
        }

        _tmp.Dispose();
    }
}
