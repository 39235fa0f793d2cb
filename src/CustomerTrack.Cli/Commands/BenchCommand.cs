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
        var command = new Command("bench", "Measure raw COPY, the pipeline, the tutorial's MERGE, freshness, history growth and peak RSS")
        {
            quick, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            // A workspace of its own: never the default ./ctdata, whose data the benchmark would wipe.
            var dir = parse.GetResult(Common.Workspace) is { Implicit: false } ? parse.GetValue(Common.Workspace)! : "./ctbench";
            var options = parse.GetValue(quick) ? BenchOptions.Quick(ChildProcess) : BenchOptions.Full(ChildProcess);
            var error = parse.InvocationConfiguration.Error;
            var time = TimeProvider.System;
            var started = time.GetTimestamp();
            var result = await new BenchRunner(options, Path.GetFullPath(dir), time, step =>
                error.WriteLine($"bench [{time.GetElapsedTime(started):mm\\:ss}] {step}")).RunAsync(ct);

            var output = parse.InvocationConfiguration.Output;
            if (result.Mode == "full")
            {
                var record = Path.Combine("bench", "results", result.MeasuredAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".json");
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
        output.WriteLine(string.Create(c, $"CustomerTrack bench ({r.Mode}): {r.Rows:N0} rows in {r.Files} files; {r.Machine.Cores} cores, {r.Machine.Cpu}"));
        output.WriteLine();
        string[][] rows =
        [
            ["figure", "value", "target", "met"],
            ["raw_copy", string.Create(c, $"{r.RawCopyRowsPerS:N0} rows/s ({r.RawCopyS:F2} s)"), "physical limit", ""],
            ["pipeline", string.Create(c, $"{r.PipelineRowsPerS:N0} rows/s ({r.PipelineS:F2} s; load {r.PipelineLoadS:F2} s, tasks {r.PipelineTasksS:F2} s)"),
                ">= 0.5 x raw_copy", Met(r, "pipeline >= 0.5 x raw_copy")],
            ["naive_merge", string.Create(c, $"{r.NaiveMergeRowsPerS:N0} rows/s ({r.NaiveMergeS:F2} s)"), "pipeline >= 0.8 x this", Met(r, "pipeline >= 0.8 x naive_merge")],
            ["freshness", string.Create(c, $"p50 {r.FreshnessP50Ms:F0} ms, p95 {r.FreshnessP95Ms:F0} ms, p99 {r.FreshnessP99Ms:F0} ms ({r.FreshnessFiles} files at {r.FreshnessChangesPerS:N0}/s)"),
                "p99 < 1000 ms", Met(r, "freshness p99 < 1000 ms")],
            ["history growth", string.Create(c, $"{r.HistoryGrowthRatio:F2} ({r.HistorySmallMs:F0} ms at {r.HistorySmallRows:N0}, {r.HistoryLargeMs:F0} ms at {r.HistoryLargeRows:N0})"),
                "<= 1.5", Met(r, "history growth ratio <= 1.5")],
            ["peak RSS", string.Create(c, $"{r.PeakRssMb:F0} MB (pipeline process, {r.Rows:N0} rows)"), "< 500 MB", Met(r, "peak RSS < 500 MB")],
        ];
        var widths = Enumerable.Range(0, 4).Select(i => rows.Max(row => row[i].Length)).ToArray();
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string Met(BenchResult r, string target) => r.Targets[target] ? "yes" : "no";
}
