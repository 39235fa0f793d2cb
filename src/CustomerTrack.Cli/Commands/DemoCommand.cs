using System.CommandLine;
using CustomerTrack.Generate;
using CustomerTrack.Pipeline;
using CustomerTrack.Query;
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
        var customers = new Option<int>("--customers", "--keys") { Description = "Population size: customers, or keys with --table (--keys is the same)", DefaultValueFactory = _ => 10_000 };
        var rows = new Option<int>("--rows-per-file") { Description = "Changes per generated file", DefaultValueFactory = _ => 1000 };
        var tableOption = new Option<string?>("--table")
        {
            Description = "A table of the Tables settings: the demo generates its feed into landing/<table>/ (default: the customer demo)",
        };
        var command = new Command("demo", "Generate, ingest, load and apply changes live for a while, then show what happened")
        {
            duration, customers, rows, tableOption,
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
                Customers = parse.GetValue(customers),
                RowsPerFile = parse.GetValue(rows),
                Every = TimeSpan.FromSeconds(1),
                Seed = Random.Shared.Next(1, 1_000_000),
            };

            await using var runner = await PipelineRunner.StartAsync(ws, time, logs, Stages.All, "demo", ct, serveDashboard: true);
            var dashboard = runner.DashboardUrl;
            output.WriteLine($"demo: workspace {ws.Show(ws.Root)}{subject.Intro}, a file of {options.RowsPerFile} changes every second for {Configuration.Duration.Parse($"{limit.TotalMilliseconds}ms")}"
                + (dashboard is null ? "" : $", dashboard {dashboard}") + $", run {runner.RunId}");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stop.CancelAfter(limit);
            var generated = 0;
            runner.Generator.Started();
            var generator = new GenerateStage(ws, time, logs.CreateLogger("CustomerTrack.Generate"))
                .RunAsync(options, stop.Token, file =>
                {
                    Interlocked.Increment(ref generated);
                    runner.Generator.Wrote(file);
                }, subject.Table);
            var pipeline = runner.RunAsync(stop.Token);
            await ShowLiveAsync(runner, subject, output, () => generated, time, stop.Token);
            await Quietly(generator);
            runner.Generator.Stopped();
            await pipeline;

            // Whatever landed before the stop is processed, so the summary covers every generated file.
            var tail = await runner.DrainAsync(ct);
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
        var r = runner.Query(subject.SnapshotSql);
        var fresh = runner.Query($"SELECT freshness_ms FROM ({Freshness.PerFileSql}) AS f ORDER BY visible_at DESC LIMIT 1");
        return new Snapshot(r.Long(0, "files"), r.Long(0, "rows_loaded"), r.Long(0, "customers"), r.Long(0, "versions"),
            r.Long(0, "lag_rows"), fresh.Scalar);
    }

    private static async Task ShowLiveAsync(PipelineRunner runner, DemoSubject subject, TextWriter output, Func<int> generated, TimeProvider time, CancellationToken ct)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var started = time.GetTimestamp();
        if (!console.Profile.Capabilities.Interactive)
        {
            // Not a terminal (a pipe, CI): a plain progress line every five seconds.
            while (!ct.IsCancellationRequested)
            {
                await Quietly(Task.Delay(TimeSpan.FromSeconds(5), ct));
                var s = Read(runner, subject);
                output.WriteLine($"  {time.GetElapsedTime(started).TotalSeconds,5:F0}s  files made {generated()}, loaded {s.Files}  rows {s.Rows}  {subject.Keys} {s.Customers}  versions {s.Versions}  lag {s.LagRows} rows, last file {s.LastFreshnessMs ?? "-"} ms");
            }

            return;
        }

        var table = new Table().AddColumns("elapsed", "files made/loaded", "rows loaded", subject.Keys, "versions", "stream lag", "last file visible after");
        await console.Live(table).StartAsync(async ctx =>
        {
            while (!ct.IsCancellationRequested)
            {
                var s = Read(runner, subject);
                table.Rows.Clear();
                table.AddRow($"{time.GetElapsedTime(started).TotalSeconds:F0} s", $"{generated()} / {s.Files}", $"{s.Rows:N0}", $"{s.Customers:N0}",
                    $"{s.Versions:N0}", $"{s.LagRows:N0} rows", s.LastFreshnessMs is null ? "-" : $"{s.LastFreshnessMs} ms");
                ctx.Refresh();
                await Quietly(runner.Progress.WaitAsync(TimeSpan.FromMilliseconds(500), ct));
            }
        });
    }

    private static void PrintSummary(PipelineRunner runner, DemoSubject subject, TextWriter output, int generated, Workspace ws, string workspaceArg)
    {
        var s = Read(runner, subject);
        var f = runner.Query(Freshness.SummarySql);
        var busiest = runner.Query(subject.BusiestSql);
        var moment = subject.MomentSql(busiest) is { } sql && runner.Query(sql).Rows is [.., var last] ? last[0]! : "2026-01-01 00:00:00";
        // The folder as the user named it, so the lines work when pasted where the demo ran.
        var wsFlag = ws.Root == Path.GetFullPath("./ctdata") ? ""
            : workspaceArg.Contains(' ', StringComparison.Ordinal) ? $" --workspace \"{workspaceArg}\""
            : $" --workspace {workspaceArg}";
        output.WriteLine();
        output.WriteLine($"demo summary: {generated} files generated, {s.Files} loaded, {s.Rows} rows");
        output.WriteLine($"  {subject.Keys + ":",-11} {s.Customers} (SCD1, table {subject.Current})");
        output.WriteLine($"  versions:   {s.Versions} (SCD2, table {subject.History})");
        output.WriteLine($"  freshness:  landing to visible in both tables, p50 {f.Text(0, "p50_ms") ?? "-"} ms, p95 {f.Text(0, "p95_ms") ?? "-"} ms, max {f.Text(0, "max_ms") ?? "-"} ms over {f.Text(0, "files")} files");
        output.WriteLine();
        output.WriteLine("Try:");
        foreach (var example in subject.Examples(busiest, moment))
        {
            output.WriteLine($"  ./customertrack {example}{wsFlag}");
        }
    }

    private sealed record Snapshot(long Files, long Rows, long Customers, long Versions, long LagRows, string? LastFreshnessMs);
}
