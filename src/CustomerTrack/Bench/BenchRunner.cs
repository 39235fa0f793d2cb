using System.Diagnostics;
using System.Globalization;
using System.Text;
using CustomerTrack.Generate;
using CustomerTrack.Query;
using CustomerTrack.Warehouse.DuckDb;

namespace CustomerTrack.Bench;

/// <summary>
/// Runs the benchmark of issue "Fast" in one go on a workspace of its own: generates the files first (untimed), then
/// measures raw COPY, the pipeline (as a child <c>run --once</c>, whose peak RSS is read from /proc), the tutorial's
/// MERGE, freshness under a sustained feed, and one SCD batch against two history sizes.
/// </summary>
public sealed class BenchRunner(BenchOptions options, string root, TimeProvider time, Action<string> progress)
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public async Task<BenchResult> RunAsync(CancellationToken ct)
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        progress($"generating {options.Rows:N0} rows in {options.Files} files (untimed)");
        var files = Generate(data);

        progress("raw_copy: DuckDB COPY of the files into a plain table");
        var rawCopy = DuckDbBench.RawCopy(Path.Combine(root, "raw_copy.duckdb"), data, time);

        progress("pipeline: run --once, landing -> lake -> customer_raw -> customer + customer_history");
        var pipeline = await PipelineAsync(files, ct);

        progress("naive_merge: the tutorial's MERGE by processing time");
        var naive = DuckDbBench.NaiveMerge(Path.Combine(root, "naive.duckdb"), files, time);

        progress($"freshness: {options.ChangesPerSecond:N0} changes/s for {options.FreshnessFor.TotalSeconds:F0} s");
        var fresh = await FreshnessAsync(ct);

        progress($"history growth: one {options.HistoryBatchRows:N0}-row batch on {options.HistorySmall:N0} and {options.HistoryLarge:N0} rows of history");
        var small = DuckDbBench.HistoryBatch(Path.Combine(root, "history_small.duckdb"), options.HistorySmall, options.HistoryBatchRows, time);
        File.Delete(Path.Combine(root, "history_small.duckdb"));
        var large = DuckDbBench.HistoryBatch(Path.Combine(root, "history_large.duckdb"), options.HistoryLarge, options.HistoryBatchRows, time);
        File.Delete(Path.Combine(root, "history_large.duckdb"));

        return new BenchResult
        {
            Mode = options.Mode,
            MeasuredAt = time.GetUtcNow().UtcDateTime,
            Rows = options.Rows,
            Files = options.Files,
            RawCopyS = Round(rawCopy),
            RawCopyRowsPerS = Math.Round(options.Rows / rawCopy),
            PipelineS = Round(pipeline.Seconds),
            PipelineRowsPerS = Math.Round(options.Rows / pipeline.Seconds),
            PipelineLoadS = Round(pipeline.LoadSeconds),
            PipelineTasksS = Round(pipeline.TasksSeconds),
            NaiveMergeS = Round(naive),
            NaiveMergeRowsPerS = Math.Round(options.Rows / naive),
            FreshnessChangesPerS = Math.Round(fresh.Rate),
            FreshnessFiles = fresh.Files,
            FreshnessP50Ms = fresh.P50,
            FreshnessP95Ms = fresh.P95,
            FreshnessP99Ms = fresh.P99,
            FreshnessMaxMs = fresh.Max,
            HistorySmallRows = options.HistorySmall,
            HistoryLargeRows = options.HistoryLarge,
            HistoryBatchRows = options.HistoryBatchRows,
            HistorySmallMs = Math.Round(small * 1000),
            HistoryLargeMs = Math.Round(large * 1000),
            HistoryGrowthRatio = Math.Round(large / small, 2),
            PeakRssMb = Math.Round(pipeline.PeakRssKb / 1024.0),
            Machine = MachineInfo.Describe(),
        };
    }

    private static double Round(double seconds) => Math.Round(seconds, 3);

    private List<string> Generate(string dir)
    {
        var generator = new CustomerGenerator(seed: 7, options.Customers);
        var files = new List<string>();
        for (var k = 0; k < options.Files; k++)
        {
            var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"bench_{k + 1:D6}.csv"));
            using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
            {
                generator.WriteFile(writer, options.RowsPerFile, Start.AddSeconds(k), Start.AddSeconds(k + 1));
            }

            files.Add(path);
        }

        return files;
    }

    private sealed record PipelineRun(double Seconds, double LoadSeconds, double TasksSeconds, long PeakRssKb);

    private async Task<PipelineRun> PipelineAsync(IReadOnlyList<string> files, CancellationToken ct)
    {
        var ws = Path.Combine(root, "pipeline");
        var landing = Path.Combine(ws, "landing");
        Directory.CreateDirectory(landing);
        var old = time.GetUtcNow().UtcDateTime.AddMinutes(-1);
        foreach (var file in files)
        {
            var target = Path.Combine(landing, Path.GetFileName(file));
            File.Copy(file, target);

            // Complete files: none waits out Ingest:MinFileAge.
            File.SetLastWriteTimeUtc(target, old);
        }

        var started = time.GetTimestamp();
        var peak = await RunChildAsync(["--workspace", ws, "run", "--once"], ct);
        var seconds = time.GetElapsedTime(started).TotalSeconds;

        using var warehouse = DuckDbWarehouse.Open(Path.Combine(ws, "warehouse.duckdb"), "bench pipeline", readOnly: true);
        var row = warehouse.Query("""
            SELECT (SELECT epoch_ms(max(loaded_at)) - epoch_ms(min(loaded_at)) + (SELECT load_ms FROM load_history ORDER BY loaded_at LIMIT 1) FROM load_history),
                   (SELECT sum(duration_ms) FROM task_run),
                   (SELECT max(to_seq) FROM task_run)
            """).Rows[0];
        if (ParseDouble(row[2]) != options.Rows)
        {
            throw new CustomerTrackException($"bench: the pipeline applied {row[2]} rows, expected {options.Rows}; see {ws}/logs");
        }

        return new PipelineRun(seconds, ParseDouble(row[0]) / 1000, ParseDouble(row[1]) / 1000, peak);
    }

    private sealed record FreshnessRun(double Rate, long Files, double P50, double P95, double P99, double Max);

    /// <summary>A continuous run fed by the generator at a fixed rate: a file every 200 ms, written and renamed into landing/.</summary>
    private async Task<FreshnessRun> FreshnessAsync(CancellationToken ct)
    {
        var ws = Path.Combine(root, "freshness");
        var landing = Path.Combine(ws, "landing");
        Directory.CreateDirectory(landing);
        var interval = TimeSpan.FromMilliseconds(200);
        var rowsPerFile = Math.Max(1, (int)(options.ChangesPerSecond * interval.TotalSeconds));
        var drain = TimeSpan.FromSeconds(5);
        var child = RunChildAsync(["--workspace", ws, "run", "--for",
            ((int)(options.FreshnessFor + drain).TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms"], ct);

        // Give the child its start-up (the .NET runtime, opening the warehouse) before the clock starts.
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var generator = new CustomerGenerator(seed: 11, options.Customers);
        var started = time.GetTimestamp();
        using var timer = new PeriodicTimer(interval, time);
        long rows = 0;
        var k = 0;
        while (time.GetElapsedTime(started) < options.FreshnessFor && await timer.WaitForNextTickAsync(ct))
        {
            var now = time.GetUtcNow().UtcDateTime;
            var name = string.Create(CultureInfo.InvariantCulture, $"fresh_{++k:D6}.csv");
            var temp = Path.Combine(landing, "." + name + ".tmp");
            using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 16))
            {
                generator.WriteFile(writer, rowsPerFile, now - interval, now);
            }

            File.Move(temp, Path.Combine(landing, name));
            rows += rowsPerFile;
        }

        var rate = rows / time.GetElapsedTime(started).TotalSeconds;
        await child;
        using var warehouse = DuckDbWarehouse.Open(Path.Combine(ws, "warehouse.duckdb"), "bench freshness", readOnly: true);
        var r = warehouse.Query(Freshness.SummarySql).Rows[0];
        var files = (long)ParseDouble(r[0]);
        if (files != k)
        {
            throw new CustomerTrackException($"bench: {files} of the {k} freshness files became visible before the run ended; see {ws}/logs");
        }

        return new FreshnessRun(rate, files, ParseDouble(r[1]), ParseDouble(r[2]), ParseDouble(r[3]), ParseDouble(r[4]));
    }

    /// <summary>Runs a child customertrack to its end, polling its high-water RSS (VmHWM); returns that peak in kB.</summary>
    private async Task<long> RunChildAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        var start = options.Cli(args);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        using var process = Process.Start(start) ?? throw new CustomerTrackException("bench: cannot start the pipeline process");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var status = $"/proc/{process.Id}/status";
        long peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, MachineInfo.ProcKb(status, "VmHWM") ?? 0);
            await Task.Delay(20, ct);
        }

        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new CustomerTrackException($"bench: 'customertrack {string.Join(' ', args)}' exited {process.ExitCode}: {(await stderr).Trim()}");
        }

        _ = await stdout;
        return peak;
    }

    private static double ParseDouble(string? text) =>
        text is null ? double.NaN : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
