using System.Net;
using CustomerTrack.Configuration;
using CustomerTrack.Contract;
using CustomerTrack.Warehouse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace CustomerTrack.Dashboard;

/// <summary>
/// The live dashboard, served by the process that runs the pipeline: the page and its assets (embedded in the assembly),
/// one Server-Sent Events stream of snapshots, and JSON endpoints. GET only, loopback Host headers only (against DNS
/// rebinding), a strict Content-Security-Policy, and a token when bound to anything but loopback.
/// </summary>
internal sealed partial class DashboardServer : IAsyncDisposable
{
    public const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string TokenCookie = "customertrack_dashboard";

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
        ["uPlot.iife.min.js"] = "text/javascript; charset=utf-8",
        ["uPlot.min.css"] = "text/css; charset=utf-8",
    };

    private readonly WebApplication _app;
    private readonly IReadOnlyList<Shown> _tables;

    private DashboardServer(WebApplication app, IReadOnlyList<Shown> tables, string url)
    {
        _app = app;
        _tables = tables;
        Url = url;
    }

    /// <summary>A table as the page's picker lists it: its name and key columns.</summary>
    internal sealed record ShownTable(string Name, string[] Key);

    /// <summary>A table the dashboard shows: its data and the feed of its snapshots (built only while someone watches it).</summary>
    private sealed record Shown(DashboardData Data, DashboardFeed Feed);

    /// <summary>Where a browser opens it (without the token, which is never printed).</summary>
    public string Url { get; }

    /// <summary>
    /// Serves on <c>Dashboard:Port</c>, or on a free port when that one is taken, one view per table of
    /// <paramref name="tables"/> (the first is the default, and the one the metrics' gauges read).
    /// </summary>
    public static async Task<DashboardServer> StartAsync(DashboardSettings settings, IReadOnlyList<DashboardData> tables, TimeProvider time,
        ILoggerFactory logs, PipelineMetrics metrics, Action<WebApplication>? extend, CancellationToken ct)
    {
        var logger = logs.CreateLogger("CustomerTrack.Dashboard");
        var shown = tables.Select(d => new Shown(d, new DashboardFeed(d, time, logger))).ToList();
        metrics.Snapshots = () => shown.Select(t => (t.Data.Table.Name, t.Feed.Latest));
        try
        {
            try
            {
                return await StartOnAsync(settings, settings.Port, shown, extend, metrics.Health, ct);
            }
            catch (IOException e) when (settings.Port != 0)
            {
                LogPortTaken(logger, settings.Port, e.Message);
                return await StartOnAsync(settings, 0, shown, extend, metrics.Health, ct);
            }
        }
        catch
        {
            foreach (var t in shown)
            {
                await t.Feed.DisposeAsync();
            }

            throw;
        }
    }

    private static async Task<DashboardServer> StartOnAsync(DashboardSettings settings, int port, IReadOnlyList<Shown> tables,
        Action<WebApplication>? extend, StageHealth? health, CancellationToken ct)
    {
        var feed = tables[0].Feed;

        // The table a request names (?table=), or the default one; an unknown name is an error, never another table.
        Shown Of(string? name) => string.IsNullOrEmpty(name) ? tables[0]
            : tables.FirstOrDefault(t => t.Data.Table.Name == name)
              ?? throw new CustomerTrackException($"no table '{name}' here; the tables are {string.Join(", ", tables.Select(t => t.Data.Table.Name))}");
        var builder = Hosting.WebHosts.Builder(IPAddress.Parse(settings.Bind), port);
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(PipelineMetrics.MeterName).AddPrometheusExporter());
        builder.Services.AddHostFiltering(o =>
        {
            o.AllowedHosts = settings.IsLoopback ? ["localhost", "127.0.0.1", "[::1]"] : ["*"];
            o.AllowEmptyHosts = false;
        });
        var app = builder.Build();
        app.UseHostFiltering();
        app.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = Csp;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers.CacheControl = "no-store";
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                headers.Allow = "GET, HEAD";
                http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            if (!settings.IsLoopback && !Authorised(http, settings.Token))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await http.Response.WriteAsync("open the dashboard with ?token=<Dashboard:Token>");
                return;
            }

            await next(http);
        });

        app.Use(async (http, next) =>
        {
            // The queue gauges come from a snapshot: a scrape gets one at most a second old.
            if (http.Request.Path == "/metrics")
            {
                try
                {
                    foreach (var t in tables)
                    {
                        await t.Feed.CurrentAsync(http.RequestAborted);
                    }
                }
                catch (Exception e) when (e is CustomerTrackException or IOException or InvalidOperationException)
                {
                    // The counters are still worth reading; /health says what is wrong.
                }
            }

            await next(http);
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/health", async (CancellationToken ct) => await Health(feed, health, ct));
        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/assets/{name}", (string name) => Assets.TryGetValue(name, out var type) ? Asset(name, type) : Results.NotFound());
        // A named type and IResult: the trimmed container build's request delegate generator cannot emit anonymous types.
        var shown = tables.Select(t => new ShownTable(t.Data.Table.Name, [.. t.Data.Table.Key.Select(k => k.Name)])).ToList();
        app.MapGet("/api/tables", () => Results.Json(shown));
        app.MapGet("/api/snapshot", async (string? table, CancellationToken ct) =>
        {
            try
            {
                return Results.Json(await Of(table).Feed.CurrentAsync(ct));
            }
            catch (CustomerTrackException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        var stopping = app.Lifetime.ApplicationStopping;
        app.MapGet("/api/events", (string? table, CancellationToken ct) =>
            Answer(() => TypedResults.ServerSentEvents(UntilStopping(Of(table).Feed, ct, stopping)), json: false));
        app.MapGet("/api/rejects", (string file) => Answer(() =>
        {
            var args = new QueryArgs();
            return tables[0].Data.Query(DashboardSql.Rejects(file, args), args);
        }));
        app.MapGet("/api/entity", (string? table, string[] key, string? asOf) => Answer(() => Entity(Of(table).Data, key, asOf)));
        extend?.Invoke(app);
        var address = new Uri(await Hosting.WebHosts.StartAsync(app, ct));
        var url = $"http://{(settings.IsLoopback ? "127.0.0.1" : settings.Bind)}:{address.Port}/";
        return new DashboardServer(app, tables, url);
    }

    /// <summary>
    /// A feed's snapshots until the viewer leaves or the server stops. An event stream never ends by itself, and the
    /// server waits for open requests when it stops: without this, a tab left open held a normal stop (Ctrl+C, SIGTERM)
    /// past the command line's grace period, which then reported it as interrupted (130, 143).
    /// </summary>
    private static async IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<DashboardSnapshot>> UntilStopping(DashboardFeed feed,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken request,
        CancellationToken stopping)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(request, stopping);
        await using var items = feed.StreamAsync(either.Token).GetAsyncEnumerator(either.Token);
        while (true)
        {
            try
            {
                if (!await items.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                yield break;
            }

            yield return items.Current;
        }
    }

    /// <summary>
    /// 200 when the warehouse answers, no queue is red and no stage is failing; otherwise 503 with the reason, naming each
    /// failing stage and table (a table stuck on a task that fails for good is unhealthy, however short its queues).
    /// </summary>
    private static async Task<IResult> Health(DashboardFeed feed, StageHealth? health, CancellationToken ct)
    {
        var failing = (health?.Failing ?? []).Select(f => f.Described).ToList();
        DashboardSnapshot snapshot;
        try
        {
            snapshot = await feed.CurrentAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Results.Json(new { status = "unhealthy", reason = string.Join("; ", ["the warehouse cannot be read: " + e.Message.Split('\n')[0], .. failing]) },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var red = snapshot.Queues.Where(q => q.State == "red").Select(q => $"{q.From} -> {q.To}: {q.Depth} waiting, the oldest {q.OldestAgeSeconds} s");
        var reasons = failing.Concat(red).ToList();
        return reasons.Count == 0
            ? Results.Json(new { status = "healthy", at = snapshot.At })
            : Results.Json(new { status = "unhealthy", at = snapshot.At, reason = string.Join("; ", reasons) }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static bool Authorised(HttpContext http, string token)
    {
        if (http.Request.Query["token"] is { Count: 1 } given && FixedTimeEquals(given[0]!, token))
        {
            http.Response.Cookies.Append(TokenCookie, token,
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            return true;
        }

        return http.Request.Cookies.TryGetValue(TokenCookie, out var cookie) && FixedTimeEquals(cookie, token);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    private static IResult Asset(string name, string contentType)
    {
        var stream = typeof(DashboardServer).Assembly.GetManifestResourceStream("dashboard/" + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, contentType);
    }

    private static IResult Answer(Func<object> read, bool json = true)
    {
        try
        {
            var answer = read();
            return json ? Results.Json(answer) : (IResult)answer;
        }
        catch (CustomerTrackException e)
        {
            return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>
    /// A key's versions and, when there are none or none at the as-of moment, why. <paramref name="key"/> is one bare value
    /// for a one-column key, or <c>column=value</c> for each column of a composite one (as <c>history --key</c> takes them).
    /// </summary>
    private static object Entity(DashboardData data, string[] key, string? asOf)
    {
        var values = key.Select(k => k.Trim()).Where(k => k.Length > 0).ToArray();
        var table = data.Table;
        if (values.Length == 0)
        {
            throw new CustomerTrackException($"give the key: {string.Join(", ", table.Key.Select(k => k.Name))}");
        }

        var args = new QueryArgs();
        var versions = data.Query(DashboardSql.Versions(table, Query.TableReads.KeyCondition(table, values, args).Sql), args);
        DateTime? at = null;
        if (!string.IsNullOrWhiteSpace(asOf))
        {
            at = EventTime.TryParse(asOf.Trim(), out var t)
                ? t
                : throw new CustomerTrackException($"as-of '{asOf}' is not an ISO 8601 timestamp; write it like 2026-11-27T10:15:00Z");
        }

        string? note = null;
        if (versions.Rows.Count == 0)
        {
            var shown = values.Length == 1 && !values[0].Contains('=', StringComparison.Ordinal) ? $"{table.Key[0].Name} {values[0]}" : string.Join(", ", values);
            note = $"no {shown} in {table.HistoryTable}";
        }
        else if (at is { } moment)
        {
            var start = versions.IndexOf("start_time");
            var end = versions.IndexOf("end_time");
            var first = Parse(versions.Rows[0][start]);
            if (moment < first)
            {
                note = $"{EventTime.Format(moment)} is before its first version ({EventTime.Format(first)})";
            }
            else if (!versions.Rows.Any(r => Parse(r[start]) <= moment && moment < Parse(r[end])))
            {
                // The version that ended last before the moment says how: a snapshot that left the key out, or a delete.
                var deletedBy = versions.IndexOf("deleted_by");
                var before = versions.Rows.Where(r => Parse(r[end]) <= moment).MaxBy(r => Parse(r[end]));
                note = before?[deletedBy] is { } how
                    ? $"no version holds at {EventTime.Format(moment)}: it was {how} at {EventTime.Format(Parse(before[end]))}"
                    : $"no version holds at {EventTime.Format(moment)}: it was deleted then";
            }
        }

        // The columns a version's values are in (not the key, its interval, its flags or its source): the page marks those
        // that differ from the version before (what changes --from --to shows between two moments).
        string[] bookkeeping = ["start_time", "end_time", "is_current", "is_deleted", "source", "deleted_by"];
        var attributes = versions.Columns.Select(c => c.Name).Where(n => table.Key.All(k => k.Name != n) && !bookkeeping.Contains(n)).ToArray();
        return new { versions, attributes, asOf = at is { } a ? EventTime.Format(a) : null, note };
    }

    private static DateTime Parse(string? text) => EventTime.TryParse(text ?? "", out var t) ? t : DateTime.MinValue;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var t in _tables)
        {
            await t.Feed.DisposeAsync();
            t.Data.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dashboard: port {Port} is taken ({Error}); serving on a free port instead")]
    private static partial void LogPortTaken(ILogger logger, int port, string error);
}
