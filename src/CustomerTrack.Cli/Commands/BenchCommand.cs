using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CustomerTrack.Bench;

namespace CustomerTrack.Cli.Commands;

/// <summary>bench: the figures of issue "Fast", measured side by side in one run (docs/benchmarks.md).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A small run that checks the benchmark works (a smoke test, not a measurement)" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object" };
        // Development only (docs/benchmarks.md, "Freshness by stage"): the freshness runs alone, at the rates given, each
        // with where its time went. Nothing is recorded.
        var freshness = new Option<string?>("--freshness") { Description = "Only the freshness runs, at these rates (10000,20000)", Hidden = true };
        var feedFor = new Option<string?>("--feed-for") { Description = "How long each freshness feed runs (20s)", Hidden = true };
        var command = new Command("bench", "Measure raw COPY, the pipeline, the tutorial's MERGE, freshness, history growth and peak RSS")
        {
            quick, json, freshness, feedFor,
        };
        command.SetAction(async (parse, ct) =>
        {
            // A workspace of its own: never the default ./ctdata, whose data the benchmark would wipe.
            var dir = parse.GetResult(Common.Workspace) is { Implicit: false } ? parse.GetValue(Common.Workspace)! : "./ctbench";
            var options = parse.GetValue(quick) ? BenchOptions.Quick(ChildProcess) : BenchOptions.Full(ChildProcess);

            // The engine and lake as the run command takes them (flags, --set, CUSTOMERTRACK__ variables, a settings file
            // in the bench folder); each child gets them as flags, with a schema and a lake prefix of its own.
            var settings = Configuration.SettingsLoader.Load(Path.GetFullPath(dir), Common.Flags(parse));
            options = options with
            {
                Engine = settings.Warehouse.Engine,
                Connection = settings.Warehouse.ConnectionString,
                Lake = settings.Lake.Uri,
                S3Endpoint = settings.Lake.S3.ServiceUrl,
                Sets = parse.GetValue(Common.Set) ?? [],
            };
            if (options.Postgres && !settings.Lake.IsS3)
            {
                throw new UsageException("bench --warehouse postgres takes an s3:// lake (--lake, or Lake:Uri from scripts/dev-servers.sh): the workers share it");
            }

            var error = parse.InvocationConfiguration.Error;
            var time = TimeProvider.System;
            var started = time.GetTimestamp();
            if (parse.GetValue(freshness) is { } rates)
            {
                options = options with
                {
                    FreshnessRates = FreshnessRates(rates),
                    FreshnessFor = Common.Duration(parse, feedFor) ?? options.FreshnessFor,
                };
                var stages = await new BenchRunner(options, Path.GetFullPath(dir), time, step =>
                    error.WriteLine($"bench [{time.GetElapsedTime(started):mm\\:ss}] {step}")).FreshnessOnlyAsync(ct);
                PrintStages(stages, parse.InvocationConfiguration.Output);
                return 0;
            }

            var result = await new BenchRunner(options, Path.GetFullPath(dir), time, step =>
                error.WriteLine($"bench [{time.GetElapsedTime(started):mm\\:ss}] {step}")).RunAsync(ct);

            var output = parse.InvocationConfiguration.Output;
            if (result.Mode == "full")
            {
                var record = Path.Combine("bench", "results", result.MeasuredAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (result.Engine == "duckdb" ? "" : "-" + result.Engine) + ".json");
                Directory.CreateDirectory(Path.GetDirectoryName(record)!);
                await File.WriteAllTextAsync(record, result.ToJson() + "\n", ct);
                error.WriteLine($"bench: recorded {record}");
            }

            if (parse.GetValue(json))
            {
                output.WriteLine(result.ToJson());
            }
            else
            {
                PrintTable(result, output);
            }

            return 0;
        });
        return command;
    }

    /// <summary>This same program as a child process: the pipeline's peak RSS must be its own, not the benchmark's.</summary>
    private static ProcessStartInfo ChildProcess(IReadOnlyList<string> args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static void PrintTable(BenchResult r, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"CustomerTrack bench ({r.Mode}, {r.Engine}): {r.Rows:N0} rows in {r.Files} files; {r.Machine.Cores} cores, {r.Machine.Cpu}; load average {r.LoadAverageStart:F2} -> {r.LoadAverageEnd:F2}"));
        output.WriteLine();
        var knee = r.FreshnessKneeChangesPerS is { } k ? string.Create(c, $"{k:N0} changes/s") : "none of the rates";
        var tried = string.Join(", ", r.FreshnessRates.Select(f => string.Create(c, $"{f.TargetChangesPerS / 1000}k: p99 {f.P99Ms?.ToString("F0", c) ?? "-"} ms, {f.VisibleFiles}/{f.Files} files")));
        var rows = new List<string[]>
        {
            new[] { "figure", "value", "target", "met" },
            new[] { "raw_copy", string.Create(c, $"{r.RawCopyRowsPerS:N0} rows/s ({r.RawCopyS:F2} s)"), "physical limit", "" },
            new[] { "pipeline", string.Create(c, $"{r.PipelineRowsPerS:N0} rows/s ({r.PipelineS:F2} s; load {r.PipelineLoadS:F2} s, tasks {r.PipelineTasksS:F2} s)"),
                ">= 0.5 x raw_copy", Met(r, "pipeline >= 0.5 x raw_copy") },
        };
        if (r.NaiveMergeRowsPerS is { } naive)
        {
            rows.Add(["naive_merge", string.Create(c, $"{naive:N0} rows/s ({r.NaiveMergeS:F2} s)"), "pipeline >= 0.8 x this", Met(r, "pipeline >= 0.8 x naive_merge")]);
        }

        if (r.HandwrittenScdRowsPerS is { } handwritten)
        {
            rows.Add(["handwritten_scd", string.Create(c, $"{handwritten:N0} rows/s ({r.HandwrittenScdS:F2} s)"), "pipeline >= 1.0 x this", Met(r, "pipeline >= 1.0 x handwritten_scd")]);
        }

        rows.Add(["freshness", string.Create(c, $"p50 {r.FreshnessP50Ms:F0} ms, p95 {r.FreshnessP95Ms:F0} ms, p99 {r.FreshnessP99Ms:F0} ms ({r.FreshnessFiles} files at {r.FreshnessChangesPerS:N0}/s)"),
            "p99 < 1000 ms", r.FreshnessP99Ms < 1000 ? "yes" : "no"]);
        rows.Add(["freshness knee", $"{knee} ({tried})", ">= 50,000", Met(r, "freshness knee >= 50,000 changes/s")]);
        if (r.HistoryGrowthRatio is { } growth)
        {
            rows.Add(["history growth", string.Create(c, $"{growth:F2} ({r.HistorySmallMs:F0} ms at {r.HistorySmallRows:N0}, {r.HistoryLargeMs:F0} ms at {r.HistoryLargeRows:N0})"),
                "<= 1.5", Met(r, "history growth ratio <= 1.5")]);
        }

        if (r.BatchCostRatio is { } cost)
        {
            rows.Add(["batch cost", string.Create(c, $"{cost:F2} ({r.BatchCostRows:N0} rows: {r.BatchCostSmallMs:F0} ms at {r.BatchCostSmallRows:N0}, {r.BatchCostLargeMs:F0} ms at {r.BatchCostLargeRows:N0})"),
                "<= 1.5, < 1 s", Met(r, "batch on large history <= 1.5 x small, < 1 s")]);
        }

        rows.Add(["peak RSS", string.Create(c, $"{r.PeakRss1mMb:F0} MB and {r.PeakRss5mMb:F0} MB ({r.PeakRssSizes})"), "< 1 GB, larger <= 1.25 x smaller",
            Met(r, "peak RSS < 1 GB") == "yes" && Met(r, "peak RSS 5M <= 1.25 x 1M") == "yes" ? "yes" : "no"]);
        foreach (var w in r.Workers ?? [])
        {
            rows.Add([string.Create(c, $"{w.Workers} worker(s)"),
                string.Create(c, $"{w.PipelineRowsPerS:N0} rows/s ({w.PipelineS:F2} s; staging {w.LoadStageS:F2} s, lock held {w.LoadLockS:F2} s, share {w.LedgerLockShare:F3}{(w.FinalSweep ? "; a last run --once applied the tail" : "")})"),
                w.Workers == 2 ? ">= 1 worker" : "", w.Workers == 2 ? Met(r, "2 workers not slower than 1") : ""]);
        }

        if (r.LedgerLockShare is { } share)
        {
            rows.Add(["ledger lock share", share.ToString("F3", c), "< 0.10", Met(r, "ledger lock held < 10% of load time")]);
        }

        var widths = Enumerable.Range(0, 4).Select(i => rows.Max(row => row[i].Length)).ToArray();
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static int[] FreshnessRates(string text)
    {
        var rates = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return rates.Length > 0 && rates.All(r => int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            ? rates.Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray()
            : throw new UsageException($"--freshness '{text}' is not a list of rates in changes/s; write it like 10000,20000");
    }

    private static void PrintStages(IReadOnlyList<(FreshnessAtRate Rate, IReadOnlyList<StageTimes> Stages)> runs, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var (rate, stages) in runs)
        {
            output.WriteLine(string.Create(c, $"{rate.TargetChangesPerS:N0} changes/s (fed {rate.ChangesPerS:N0}/s, {rate.VisibleFiles}/{rate.Files} files visible): p50 {rate.P50Ms:F0}, p95 {rate.P95Ms:F0}, p99 {rate.P99Ms:F0}, max {rate.MaxMs:F0} ms"));
            output.WriteLine($"  {"stage",-36} {"p50",6} {"p95",6} {"p99",6} {"max",6} {"slowest 5%",10}");
            foreach (var s in stages)
            {
                output.WriteLine(string.Create(c, $"  {s.Stage,-36} {s.P50Ms,6:F0} {s.P95Ms,6:F0} {s.P99Ms,6:F0} {s.MaxMs,6:F0} {s.SlowestMeanMs,10:F0}"));
            }
        }
    }

    private static string Met(BenchResult r, string target) => r.Targets.TryGetValue(target, out var met) ? (met ? "yes" : "no") : "";
}
