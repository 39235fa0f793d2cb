using System.CommandLine;
using CustomerTrack.Pipeline;

namespace CustomerTrack.Cli.Commands;

/// <summary>run, ingest, load, tasks, rebuild: the stages, together or one at a time.</summary>
internal static class PipelineCommands
{
    public static Command Run() => StageCommand("run", "Run every stage but the generator (until Ctrl+C, --for, or with --once until done)", Stages.All);

    public static Command Ingest() => StageCommand("ingest", "Move complete files from landing/ to the lake (NiFi's role)", Stages.Ingest);

    public static Command Load() => StageCommand("load", "Load new lake files into customer_raw (Snowpipe's role)", Stages.Load);

    public static Command Tasks() => StageCommand("tasks", "Apply the stream to customer and customer_history (Streams and Tasks)", Stages.Tasks);

    private static Command StageCommand(string name, string description, Stages stages)
    {
        var command = new Command(name, description) { Common.Once, Common.For };
        command.SetAction(async (parse, ct) =>
        {
            var time = TimeProvider.System;
            var ws = Common.OpenWorkspace(parse, create: true);
            using var logs = Common.Logs(parse, ws, time);
            await using var runner = await PipelineRunner.StartAsync(ws, time, logs, stages, name, ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(Common.Once))
            {
                var summary = await runner.DrainAsync(ct);
                output.WriteLine($"{name} --once: {summary.FilesIngested} file(s) ingested, {summary.FilesLoaded} loaded, " +
                    $"{summary.TaskRuns.Count} task run(s) applying {summary.TaskRuns.Sum(r => r.RowsRead)} row(s)");
                return 0;
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (Common.Duration(parse, Common.For) is { } limit)
            {
                stop.CancelAfter(limit);
            }

            await runner.RunAsync(stop.Token);
            return 0;
        });
        return command;
    }

    public static Command Rebuild()
    {
        var command = new Command("rebuild", "Recompute every table's current and history tables from its ledger");
        command.SetAction(async (parse, ct) =>
        {
            var time = TimeProvider.System;
            var ws = Common.OpenWorkspace(parse, create: false);
            using var logs = Common.Logs(parse, ws, time);
            await using var runner = await PipelineRunner.StartAsync(ws, time, logs, Stages.Tasks, "rebuild", ct);
            runner.DrainTasks(ct);
            foreach (var run in runner.Rebuild())
            {
                parse.InvocationConfiguration.Output.WriteLine(run.Table == "customer"
                    ? $"rebuild: {run.Customers} customers, {run.Versions} versions from {run.ToSeq} ledger rows in {run.Duration.TotalMilliseconds:F0} ms"
                    : $"rebuild {run.Table}: {run.Customers} keys, {run.Versions} versions from {run.ToSeq} ledger rows in {run.Duration.TotalMilliseconds:F0} ms");
            }
            return 0;
        });
        return command;
    }
}
