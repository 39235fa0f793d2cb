using System.Diagnostics;
using System.Globalization;
using System.Text;
using CustomerTrack.Generate;
using CustomerTrack.Lake.S3;
using CustomerTrack.Query;
using CustomerTrack.Warehouse;
using CustomerTrack.Warehouse.DuckDb;
using CustomerTrack.Warehouse.Postgres;

namespace CustomerTrack.Bench;

/// <summary>
/// Runs the benchmark of issues "Fast" and "Fast, round 2" in one go on a workspace of its own: generates the files
/// first (untimed), then measures raw COPY, the pipeline (as child <c>run --once</c> processes, whose peak RSS is read
/// from /proc; on postgres with 1, 2 and 3 workers), a pipeline run on a fifth of the files (peak RSS against input
/// size), the tutorial's MERGE, freshness under sustained feeds of rising rate (the knee), and one SCD batch against
/// two history sizes. On postgres every run gets a schema of its own and a lake prefix of its own, beside the configured lake.
/// </summary>
internal sealed class BenchRunner(BenchOptions options, string root, TimeProvider time, Action<string> progress)
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>On postgres, the root of every run's lake prefix (refused here, before any work, if it has none).</summary>
    private readonly string _lake = options.Postgres
        ? LakeBeside(options.Lake, time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))
        : "";

    public async Task<BenchResult> RunAsync(CancellationToken ct)
    {
        var loadStart = LoadAverage();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        progress($"generating {options.Rows:N0} rows in {options.Files} files (untimed); engine {options.Engine}, load average {loadStart:F2}");
        var files = Generate(data);

        progress($"raw_copy: {(options.Postgres ? "PostgreSQL COPY" : "DuckDB COPY")} of the files into a plain table");
        var rawCopy = options.Postgres
            ? PostgresBench.RawCopy(options.Connection, Schema("raw_copy"), files, time)
            : DuckDbBench.RawCopy(Path.Combine(root, "raw_copy.duckdb"), data, time);

        List<WorkersRun>? workers = null;
        PipelineRun pipeline;
        if (options.Postgres)
        {
            workers = [];
            PipelineRun? first = null;
            foreach (var n in options.WorkerCounts)
            {
                progress($"pipeline: {n} run --once worker(s) on one PostgreSQL schema and one lake prefix");
                var run = await PipelineAsync($"pipeline_{n}w", files, n, ct);
                first ??= run;
                workers.Add(new WorkersRun(n, Round(run.Seconds), Math.Round(options.Rows / run.Seconds), run.LockShare,
                    Round(run.StageMs / 1000), Round(run.LockMs / 1000), run.FinalSweep));
            }

            pipeline = first!;
        }
        else
        {
            progress("pipeline: run --once, landing -> lake -> customer_raw -> customer + customer_history");
            pipeline = await PipelineAsync("pipeline", files, 1, ct);
        }

        var smallFiles = files.Take(options.SmallRunFiles).ToList();
        progress($"peak RSS on the smaller input: run --once on {smallFiles.Count * (long)options.RowsPerFile:N0} rows");
        var small = await PipelineAsync("pipeline_small", smallFiles, 1, ct);

        double? naive = null, handwritten = null;
        if (!options.Postgres)
        {
            progress("handwritten_scd: COPY, then SCD2 and SCD1 each in one set-based pass (the engineer's script)");
            handwritten = DuckDbBench.Handwritten(Path.Combine(root, "handwritten.duckdb"), data, time);
            File.Delete(Path.Combine(root, "handwritten.duckdb"));

            progress("naive_merge: the tutorial's MERGE by processing time");
            naive = DuckDbBench.NaiveMerge(Path.Combine(root, "naive.duckdb"), files, time);
        }

        var rates = new List<FreshnessAtRate>();
        foreach (var rate in options.FreshnessRates)
        {
            progress($"freshness: {rate:N0} changes/s for {options.FreshnessFor.TotalSeconds:F0} s");
            var fresh = await FreshnessAsync(rate, ct);
            rates.Add(fresh);
            if (!fresh.Holds)
            {
                // Past the knee: a higher rate only queues more.
                break;
            }
        }

        double? historySmall = null, historyLarge = null, costSmall = null, costLarge = null;
        if (!options.Postgres)
        {
            progress($"history growth: one {options.HistoryBatchRows:N0}-row batch on {options.HistorySmall:N0} and {options.HistoryLarge:N0} rows of history");
            (historySmall, historyLarge) = (await BatchAsync("history_small", options.HistorySmall, options.HistoryBatchRows),
                await BatchAsync("history_large", options.HistoryLarge, options.HistoryBatchRows));
            progress($"batch cost: one {options.BatchCostRows:N0}-row batch on {options.BatchCostSmall:N0} and {options.BatchCostLarge:N0} rows of history");
            (costSmall, costLarge) = (await BatchAsync("cost_small", options.BatchCostSmall, options.BatchCostRows),
                await BatchAsync("cost_large", options.BatchCostLarge, options.BatchCostRows));
        }

        var reported = rates[0];
        var knee = rates.TakeWhile(r => r.Holds).Select(r => (int?)r.TargetChangesPerS).LastOrDefault();
        var smallRows = smallFiles.Count * (long)options.RowsPerFile;
        return new BenchResult
        {
            Mode = options.Mode,
            Engine = options.Engine,
            MeasuredAt = time.GetUtcNow().UtcDateTime,
            LoadAverageStart = loadStart,
            LoadAverageEnd = LoadAverage(),
            Rows = options.Rows,
            Files = options.Files,
            RawCopyS = Round(rawCopy),
            RawCopyRowsPerS = Math.Round(options.Rows / rawCopy),
            PipelineS = Round(pipeline.Seconds),
            PipelineRowsPerS = Math.Round(options.Rows / pipeline.Seconds),
            PipelineLoadS = Round(pipeline.LoadMs / 1000),
            PipelineTasksS = Round(pipeline.TasksMs / 1000),
            NaiveMergeS = naive is { } n1 ? Round(n1) : null,
            NaiveMergeRowsPerS = naive is { } n2 ? Math.Round(options.Rows / n2) : null,
            FreshnessChangesPerS = Math.Round(reported.ChangesPerS),
            FreshnessFiles = reported.VisibleFiles,
            FreshnessP50Ms = reported.P50Ms,
            FreshnessP95Ms = reported.P95Ms,
            FreshnessP99Ms = reported.P99Ms,
            FreshnessMaxMs = reported.MaxMs,
            FreshnessKneeChangesPerS = knee,
            FreshnessRates = rates,
            HistorySmallRows = options.Postgres ? null : options.HistorySmall,
            HistoryLargeRows = options.Postgres ? null : options.HistoryLarge,
            HistoryBatchRows = options.Postgres ? null : options.HistoryBatchRows,
            HistorySmallMs = historySmall is { } s ? Math.Round(s * 1000) : null,
            HistoryLargeMs = historyLarge is { } l ? Math.Round(l * 1000) : null,
            HistoryGrowthRatio = historySmall is { } s2 && historyLarge is { } l2 ? Math.Round(l2 / s2, 2) : null,
            HandwrittenScdS = handwritten is { } h1 ? Round(h1) : null,
            HandwrittenScdRowsPerS = handwritten is { } h2 ? Math.Round(options.Rows / h2) : null,
            BatchCostSmallRows = options.Postgres ? null : options.BatchCostSmall,
            BatchCostLargeRows = options.Postgres ? null : options.BatchCostLarge,
            BatchCostRows = options.Postgres ? null : options.BatchCostRows,
            BatchCostSmallMs = costSmall is { } c1 ? Math.Round(c1 * 1000) : null,
            BatchCostLargeMs = costLarge is { } c2 ? Math.Round(c2 * 1000) : null,
            BatchCostRatio = costSmall is { } c3 && costLarge is { } c4 ? Math.Round(c4 / c3, 2) : null,
            PeakRssMb = Math.Round(pipeline.PeakRssKb / 1024.0),
            PeakRss1mMb = Math.Round(small.PeakRssKb / 1024.0),
            PeakRss5mMb = Math.Round(pipeline.PeakRssKb / 1024.0),
            PeakRssSizes = options.Mode == "full"
                ? $"{smallRows:N0} and {options.Rows:N0} rows"
                : $"quick mode: {smallRows:N0} and {options.Rows:N0} rows stand in for 1M and 5M",
            Workers = workers,
            LedgerLockShare = pipeline.LockShare,
            Machine = MachineInfo.Describe(),
        };
    }

    private static double Round(double seconds) => Math.Round(seconds, 3);

    /// <summary>One task run of <paramref name="batch"/> rows on <paramref name="history"/> rows of history, in a file of its own removed after.</summary>
    private async Task<double> BatchAsync(string name, long history, int batch)
    {
        var path = Path.Combine(root, name + ".duckdb");
        var seconds = await DuckDbBench.HistoryBatchAsync(path, history, batch, time);
        File.Delete(path);
        return seconds;
    }

    /// <summary>The 1-minute load average (/proc/loadavg), NaN where there is none.</summary>
    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

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

    private string Schema(string name) => "ctbench_" + name;

    /// <summary>
    /// Where the bench's lake objects go: beside the configured lake (<c>s3://bucket/lake</c> gives
    /// <c>s3://bucket/lake-ctbench-STAMP</c>), never inside it, where a later <c>run</c> on that lake would load them all
    /// into its warehouse. A lake at a bucket's root has no beside; the bench refuses it.
    /// </summary>
    public static string LakeBeside(string lake, string stamp)
    {
        var (bucket, prefix) = S3Lake.Parse(lake);
        if (prefix.Length == 0)
        {
            throw new SettingsException("Lake:Uri", $"'{lake}' is a whole bucket: the bench would write its files into the lake that run loads; give it a prefix (s3://{bucket}/lake)");
        }

        return $"s3://{bucket}/{prefix.TrimEnd('/')}-ctbench-{stamp}";
    }

    /// <summary>Where one measured run keeps its state: workspaces (one per worker), the engine flags its children take, its warehouse for reading.</summary>
    private sealed record Space(string Root, IReadOnlyList<string> Flags, Func<IWarehouse> Open)
    {
        public string Worker(int i) => Path.Combine(Root, "w" + i.ToString(CultureInfo.InvariantCulture));
    }

    private Space NewSpace(string name)
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);

        // No dashboard: its queries would be measured with the pipeline.
        var common = new List<string> { "--set", "Dashboard:Enabled=false", "--quiet" };
        foreach (var set in options.Sets)
        {
            common.AddRange(["--set", set]);
        }

        if (!options.Postgres)
        {
            return new Space(dir, [.. common, "--warehouse", "duckdb", "--lake", "lake"],
                () => new TranslatedWarehouse(DuckDbWarehouse.Open(Path.Combine(dir, "w0", "warehouse.duckdb"), "bench " + name, readOnly: true)));
        }

        var connection = PostgresBench.FreshSchema(options.Connection, Schema(name));
        var lake = $"{_lake}/{name}";
        List<string> flags = [.. common, "--warehouse", "postgres", "--connection", connection, "--lake", lake];
        if (options.S3Endpoint.Length > 0)
        {
            flags.AddRange(["--s3-endpoint", options.S3Endpoint]);
        }

        return new Space(dir, flags, () => new TranslatedWarehouse(PostgresWarehouse.Open(connection, readOnly: true)));
    }

    private IReadOnlyList<string> Args(Space space, int worker, params string[] command) =>
        [.. command, "--workspace", space.Worker(worker), .. space.Flags];

    private sealed record PipelineRun(double Seconds, double LoadMs, double TasksMs, long PeakRssKb, double StageMs, double LockMs, bool FinalSweep)
    {
        /// <summary>The share of load time (staging plus holding the lock) spent holding the ledger lock; null where the loader does not record it (DuckDB).</summary>
        public double? LockShare => StageMs + LockMs > 0 ? Math.Round(LockMs / (StageMs + LockMs), 3) : null;
    }

    /// <summary>
    /// The files into the landing folders of <paramref name="workers"/> workspaces (round robin), then that many
    /// <c>run --once</c> processes at once; timed until every row is applied. A worker whose last task run met another's
    /// lock leaves its rows to it; when all have exited with rows left, one more <c>run --once</c> applies them (timed, and said).
    /// </summary>
    private async Task<PipelineRun> PipelineAsync(string name, IReadOnlyList<string> files, int workers, CancellationToken ct)
    {
        var space = NewSpace(name);
        var old = time.GetUtcNow().UtcDateTime.AddMinutes(-1);
        for (var i = 0; i < files.Count; i++)
        {
            var landing = Path.Combine(space.Worker(i % workers), "landing");
            Directory.CreateDirectory(landing);
            var target = Path.Combine(landing, Path.GetFileName(files[i]));
            File.Copy(files[i], target);

            // Complete files: none waits out Ingest:MinFileAge.
            File.SetLastWriteTimeUtc(target, old);
        }

        var expected = files.Count * (long)options.RowsPerFile;
        var started = time.GetTimestamp();
        var peaks = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => RunChildAsync(Args(space, w, "run", "--once"), ct)));
        var sweep = false;
        if (Applied(space) < expected)
        {
            sweep = true;
            await RunChildAsync(Args(space, 0, "run", "--once"), ct);
        }

        var seconds = time.GetElapsedTime(started).TotalSeconds;
        if (Applied(space) is var applied && applied != expected)
        {
            throw new CustomerTrackException($"bench: the pipeline applied {applied} rows, expected {expected}; see {space.Root}/w0/logs");
        }

        using var warehouse = space.Open();
        var row = warehouse.Query(options.Postgres
            ? "SELECT (SELECT sum(load_ms) FROM load_history), (SELECT sum(duration_ms) FROM task_run), (SELECT sum(stage_ms) FROM load_history), (SELECT sum(lock_ms) FROM load_history)"
            : "SELECT (SELECT sum(load_ms) FROM load_history), (SELECT sum(duration_ms) FROM task_run), 0, 0").Rows[0];
        var (stage, locked) = (ParseDouble(row[2]) ?? 0, ParseDouble(row[3]) ?? 0);
        var load = options.Postgres ? stage + locked : ParseDouble(row[0]) ?? 0;
        return new PipelineRun(seconds, load, ParseDouble(row[1]) ?? 0, peaks.Max(), stage, locked, sweep);
    }

    private static long Applied(Space space)
    {
        using var warehouse = space.Open();
        return (long)(ParseDouble(warehouse.Query("SELECT coalesce(max(to_seq), 0) FROM task_run").Scalar) ?? 0);
    }

    /// <summary>
    /// Only the freshness runs, at every rate of the options (none is skipped after one fails), each with where its time
    /// went (<see cref="FreshnessStages"/>): the development view <c>bench --freshness</c> prints.
    /// </summary>
    public async Task<IReadOnlyList<(FreshnessAtRate Rate, IReadOnlyList<StageTimes> Stages)>> FreshnessOnlyAsync(CancellationToken ct)
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        var results = new List<(FreshnessAtRate, IReadOnlyList<StageTimes>)>();
        foreach (var rate in options.FreshnessRates)
        {
            progress($"freshness: {rate:N0} changes/s for {options.FreshnessFor.TotalSeconds:F0} s, load average {LoadAverage():F2}");
            IReadOnlyList<StageTimes> stages = [];
            LastChildCpuSeconds = 0;
            var fresh = await FreshnessAsync(rate, ct, (space, warehouse) =>
                stages = FreshnessStages.Read(warehouse, Path.Combine(space.Worker(0), "logs", "provenance.jsonl"),
                    Path.Combine(space.Worker(0), "logs", "customertrack.log")));
            results.Add((fresh, stages));
            progress(string.Create(CultureInfo.InvariantCulture,
                $"freshness: {rate:N0} changes/s: the run used {LastChildCpuSeconds:F1} s of CPU for {fresh.Files * (long)(rate / 5):N0} rows fed, load average {LoadAverage():F2}"));
        }

        return results;
    }

    /// <summary>The CPU time (user + system) of the last freshness run's child, as last seen before it exited.</summary>
    public double LastChildCpuSeconds { get; private set; }

    /// <summary>A continuous run fed by the generator at <paramref name="rate"/> changes/s: a file every 200 ms, written and renamed into landing/.</summary>
    private async Task<FreshnessAtRate> FreshnessAsync(int rate, CancellationToken ct, Action<Space, IWarehouse>? inspect = null)
    {
        var space = NewSpace(string.Create(CultureInfo.InvariantCulture, $"freshness_{rate}"));
        var landing = Path.Combine(space.Worker(0), "landing");
        Directory.CreateDirectory(landing);
        var interval = TimeSpan.FromMilliseconds(200);
        var rowsPerFile = Math.Max(1, (int)(rate * interval.TotalSeconds));
        var child = RunChildAsync(Args(space, 0, "run", "--for",
            ((int)(options.FreshnessFor + options.FreshnessDrain).TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms"), ct,
            cpu => LastChildCpuSeconds = cpu);

        // Give the child its start-up (the .NET runtime, opening the warehouse) before the clock starts: 2 s, and on
        // DuckDB until its owner record says it holds the warehouse (on a busy machine start-up took 10 s, and the first
        // files' freshness was the start-up's).
        await Task.Delay(TimeSpan.FromSeconds(2), time, ct);
        var owner = Path.Combine(space.Worker(0), "owner.json");
        var startup = time.GetTimestamp();
        while (!options.Postgres && !File.Exists(owner) && !child.IsCompleted && time.GetElapsedTime(startup) < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, ct);
        }
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

        var achieved = rows / time.GetElapsedTime(started).TotalSeconds;
        await child;
        using var warehouse = space.Open();
        var r = warehouse.Query(Freshness.SummarySql).Rows[0];
        inspect?.Invoke(space, warehouse);
        return new FreshnessAtRate(rate, Math.Round(achieved), k, (long)(ParseDouble(r[0]) ?? 0),
            ParseDouble(r[1]), ParseDouble(r[2]), ParseDouble(r[3]), ParseDouble(r[4]));
    }

    /// <summary>Runs a child customertrack to its end, polling its high-water RSS (VmHWM); returns that peak in kB.</summary>
    private async Task<long> RunChildAsync(IReadOnlyList<string> args, CancellationToken ct, Action<double>? cpuSeconds = null)
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
            if (cpuSeconds is not null && MachineInfo.CpuSeconds(process.Id) is { } cpu)
            {
                cpuSeconds(cpu);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time, ct);
        }

        await process.WaitForExitAsync(ct);

        // 3: rows were rejected or a file failed; the checks on applied rows say whether that matters here.
        if (process.ExitCode is not (0 or 3))
        {
            throw new CustomerTrackException($"bench: 'customertrack {string.Join(' ', args)}' exited {process.ExitCode}: {(await stderr).Trim()}");
        }

        _ = await stdout;
        return peak;
    }

    private static double? ParseDouble(string? text) =>
        text is null ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
