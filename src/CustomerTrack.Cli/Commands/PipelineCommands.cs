using System.CommandLine;
using CustomerTrack.Cli.Output;
using CustomerTrack.Pipeline;
using CustomerTrack.Tables;

namespace CustomerTrack.Cli.Commands;

/// <summary>run, ingest, load, tasks, rebuild: the stages, together or one at a time.</summary>
internal static class PipelineCommands
{
    public static Command Run() => StageCommand("run", "Run every stage but the generator (until Ctrl+C, --for, or with --once until done)", Stages.All);

    public static Command Ingest() => StageCommand("ingest", "Move complete files from landing/ to the lake (NiFi's role)", Stages.Ingest);

    public static Command Load() => StageCommand("load", "Load new lake files into their tables' ledgers, T_raw for a table T (Snowpipe's role)", Stages.Load);

    public static Command Tasks() => StageCommand("tasks", "Apply each table's stream to its current table T and history T_history (Streams and Tasks)", Stages.Tasks);

    private static Command StageCommand(string name, string description, Stages stages)
    {
        var command = new Command(name, description) { Common.Once, Common.For, Common.Quiet, Common.AllowRejects };
        var tables = Common.Tables();
        if (stages.HasFlag(Stages.Load) || stages.HasFlag(Stages.Tasks))
        {
            tables.Description = "Load and apply only this table's files (repeatable); the others wait in the lake. Default: every table";
            command.Options.Add(tables);
        }

        command.SetAction(async (parse, ct) =>
        {
            var time = TimeProvider.System;
            var once = parse.GetValue(Common.Once);
            var limit = Common.Duration(parse, Common.For);
            var ws = Common.OpenWorkspace(parse, create: true);
            var chosen = Common.ChosenTables(parse, tables, ws);
            using var logs = Common.Logs(parse, ws, time);
            var progress = new RunProgress(parse.InvocationConfiguration.Output, parse.GetValue(Common.Quiet));
            // A continuous run serves the dashboard; --once is over before anyone could look at it.
            await using var runner = await PipelineRunner.StartAsync(ws, time, logs, stages, name, ct,
                serveDashboard: !once && stages == Stages.All, onlyTables: chosen.Count > 0 ? chosen.ToHashSet(StringComparer.Ordinal) : null);
            progress.Start(once ? $"{name} --once" : name, ws, runner.DashboardUrl, runner.RunId);
            progress.Attach(runner);
            if (once)
            {
                await runner.DrainAsync(ct);
            }
            else
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (limit is { } l)
                {
                    stop.CancelAfter(l);
                }

                await runner.RunAsync(stop.Token);
            }

            progress.Summary(once ? $"{name} --once" : name, runner.Tally);
            if (runner.Health.Failing is { Count: > 0 } failing)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"customertrack: {(once ? $"{name} --once" : name)} ended with a stage failing: {string.Join("; ", failing.Select(f => f.Described))}");
                return ExitCodes.StageFailing;
            }

            return runner.Tally.HadRejects && !parse.GetValue(Common.AllowRejects) ? ExitCodes.Rejects : ExitCodes.Ok;
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
            await runner.DrainTasksAsync(ct);
            foreach (var run in await runner.RebuildAsync())
            {
                parse.InvocationConfiguration.Output.WriteLine(
                    $"rebuild{(run.Table == TableDefinition.CustomerName ? "" : " " + run.Table)}: {run.Keys} {TableDefinition.KeysWord(run.Table)}, "
                    + $"{run.Versions} versions from {run.ToSeq} ledger rows in {run.Duration.TotalMilliseconds:F0} ms");
            }
            return 0;
        });
        return command;
    }
}
