using System.CommandLine;
using CustomerTrack.Generate;
using CustomerTrack.Pipeline;
using CustomerTrack.Query;
using CustomerTrack.Warehouse;
using Spectre.Console;

namespace CustomerTrack.Cli.Commands;

/// <summary>
/// demo: a fresh workspace, the generator every second, every stage, and a live view of it all: the customer feed, or
/// with <c>--table</c> any table the settings define.
/// </summary>
internal static class DemoCommand
{
    private const string Marker = ".customertrack-demo";

    public static Command Create()
    {
        var duration = new Option<string?>("--for") { Description = "How long the demo runs", DefaultValueFactory = _ => "60s" };
        var keys = new Option<int>("--keys") { Description = "Population size: how many keys (customers, or with --table the table's keys)", DefaultValueFactory = _ => 10_000 };
        var rows = new Option<int>("--rows-per-file") { Description = "Changes per generated file", DefaultValueFactory = _ => 1000 };
        var tableOption = new Option<string?>("--table")
        {
            Description = "A table of the Tables settings: the demo generates its feed into landing/<table>/ (default: the customer demo)",
        };
        var command = new Command("demo", "Generate, ingest, load and apply changes live for a while, then show what happened")
        {
            duration, keys, rows, tableOption,
        };
        command.SetAction(async (parse, ct) =>
        {
            var time = TimeProvider.System;
            var output = parse.InvocationConfiguration.Output;
            var ws = FreshWorkspace(parse);
            var subject = new DemoSubject(parse.GetValue(tableOption) is { } name ? ws.Settings.Table(name) : null);
            using var logs = Common.Logs(parse, ws, time);
            var limit = Common.Duration(parse, duration) ?? TimeSpan.FromSeconds(60);
            var options = new GenerateOptions
            {
                Keys = parse.GetValue(keys),
                RowsPerFile = parse.GetValue(rows),
                Every = TimeSpan.FromSeconds(1),
                Seed = Random.Shared.Next(1, 1_000_000),
            };

            await using var runner = await PipelineRunner.StartAsync(ws, time, logs, Stages.All, "demo", ct, serveDashboard: true);
            var dashboard = runner.DashboardUrl;
            var every = subject.Table?.Mode == Tables.TableMode.Snapshot
                ? $"an extract every second, {options.RowsPerFile} changes after the one before,"
                : $"a file of {options.RowsPerFile} changes every second";
            output.WriteLine($"demo: workspace {ws.Root}{subject.Intro}, {every} for {Configuration.Duration.Parse($"{limit.TotalMilliseconds}ms")}"
                + (dashboard is null ? "" : $", dashboard {dashboard}") + $", run {runner.RunId}");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stop.CancelAfter(limit);
            var generated = 0;
            runner.Generator.Started();
            var generator = new GenerateStage(ws, time, logs.CreateLogger("CustomerTrack.Generate"))
                .RunAsync(options, stop.Token, (file, _) =>
                {
                    Interlocked.Increment(ref generated);
                    runner.Generator.Wrote(file);
                }, subject.Table);
            var pipeline = runner.RunAsync(stop.Token);

            // The live view outlasts the stop until the drain is done, so that its last frame is the summary's numbers.
            using var drained = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var live = ShowLiveAsync(runner, subject, output, () => generated, time, drained.Token);
            await Quietly(generator);
            runner.Generator.Stopped();
            await pipeline;

            // Whatever landed before the stop is processed, so the summary covers every generated file.
            await runner.DrainAsync(ct);
            await drained.CancelAsync();
            await live;
            PrintSummary(runner, subject, output, generated, ws, parse.GetValue(Common.Workspace)!);
            return 0;
        });
        return command;
    }

    private static Workspace FreshWorkspace(ParseResult parse)
    {
        var dir = Path.GetFullPath(parse.GetValue(Common.Workspace)!);
        // A settings file alone (written by init, say) is no data: the demo keeps it and runs on its tables.
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any(e => Path.GetFileName(e) != Common.SettingsFileName))
        {
            if (!File.Exists(Path.Combine(dir, Marker)))
            {
                throw new CustomerTrackException(
                    $"demo starts from a fresh workspace, and {dir} already holds data it did not make; pass --workspace NEWDIR or remove it");
            }

            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else if (Path.GetFileName(entry) != Common.SettingsFileName)
                {
                    File.Delete(entry);
                }
            }
        }

        var ws = Common.OpenWorkspace(parse, create: true);
        File.WriteAllText(Path.Combine(ws.Root, Marker), "made by customertrack demo; the next demo may wipe this folder\n");
        return ws;
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static Snapshot Read(PipelineRunner runner, DemoSubject subject)
    {
        var r = runner.Query(subject.SnapshotSql, subject.SnapshotParameters);
        var fresh = runner.Query($"SELECT freshness_ms FROM ({Freshness.PerFileSql}) AS f ORDER BY visible_at DESC LIMIT 1");
        return new Snapshot(r.Long(0, "files"), r.Long(0, "rows_loaded"), r.Long(0, "keys"), r.Long(0, "versions"),
            r.Long(0, "lag_rows"), fresh.Scalar);
    }

    /// <summary>
    /// The live view: one line that fits an 80-column terminal, redrawn in place in a terminal and printed every five
    /// seconds elsewhere (a pipe, CI); after <paramref name="ct"/> it shows the final numbers once more.
    /// </summary>
    private static async Task ShowLiveAsync(PipelineRunner runner, DemoSubject subject, TextWriter output, Func<int> generated, TimeProvider time, CancellationToken ct)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var started = time.GetTimestamp();
        string Now() => LiveLine(time.GetElapsedTime(started), generated(), Read(runner, subject), subject.Keys);
        if (!console.Profile.Capabilities.Interactive)
        {
            while (!ct.IsCancellationRequested)
            {
                await Quietly(Task.Delay(TimeSpan.FromSeconds(5), ct));
                if (!ct.IsCancellationRequested)
                {
                    output.WriteLine(Now());
                }
            }

            output.WriteLine(Now());
            return;
        }

        await console.Live(new Text(Now())).StartAsync(async ctx =>
        {
            while (!ct.IsCancellationRequested)
            {
                await Quietly(runner.Progress.WaitAsync(TimeSpan.FromMilliseconds(500), ct));
                ctx.UpdateTarget(new Text(Now()));
            }
        });
    }

    /// <summary>
    /// "  60s  files 60/60  rows 60k  customers 9.9k  versions 70k  lag 0  fresh 180 ms": counts past a thousand in k (and
    /// M), so that a minute's demo, or ten, stays on one line of 80 columns.
    /// </summary>
    internal static string LiveLine(TimeSpan elapsed, int generated, Snapshot s, string keys)
    {
        static string N(long n) => n.ToString(n < 1000 ? "0" : n < 1_000_000 ? "0,.#k" : "0,,.#M", System.Globalization.CultureInfo.InvariantCulture);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"  {elapsed.TotalSeconds:F0}s  files {generated}/{s.Files}  rows {N(s.Rows)}  {keys} {N(s.Keys)}  versions {N(s.Versions)}  lag {N(s.LagRows)}  fresh {s.LastFreshnessMs ?? "-"} ms");
    }

    private static void PrintSummary(PipelineRunner runner, DemoSubject subject, TextWriter output, int generated, Workspace ws, string workspaceArg)
    {
        var s = Read(runner, subject);
        var f = runner.Query(Freshness.SummarySql);
        var busiest = runner.Query(subject.BusiestSql);
        var args = new QueryArgs();
        var moment = subject.MomentSql(busiest, args) is { } sql && runner.Query(sql, args).Rows is [.., var last] ? last[0]! : "2026-01-01 00:00:00";
        // The folder as the user named it, so the lines work when pasted where the demo ran.
        var wsFlag = ws.Root == Path.GetFullPath("./ctdata") ? ""
            : workspaceArg.Contains(' ', StringComparison.Ordinal) ? $" --workspace \"{workspaceArg}\""
            : $" --workspace {workspaceArg}";
        output.WriteLine();
        output.WriteLine($"demo summary: {generated} files generated, {s.Files} loaded, {s.Rows} rows");
        output.WriteLine($"  {subject.Keys + ":",-11} {s.Keys} (SCD1, table {subject.Current})");
        output.WriteLine($"  versions:   {s.Versions} (SCD2, table {subject.History})");
        output.WriteLine($"  freshness:  landing to visible in both tables, p50 {f.Text(0, "p50_ms") ?? "-"} ms, p95 {f.Text(0, "p95_ms") ?? "-"} ms, max {f.Text(0, "max_ms") ?? "-"} ms over {f.Text(0, "files")} files");
        output.WriteLine();
        output.WriteLine("Try:");
        foreach (var example in subject.Examples(busiest, moment))
        {
            output.WriteLine($"  ./customertrack {example}{wsFlag}");
        }
    }

    internal sealed record Snapshot(long Files, long Rows, long Keys, long Versions, long LagRows, string? LastFreshnessMs);
}
