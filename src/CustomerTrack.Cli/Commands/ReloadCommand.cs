using System.CommandLine;
using System.Globalization;
using CustomerTrack.Cli.Output;
using CustomerTrack.Pipeline;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Cli.Commands;

/// <summary>
/// reload: loads lake files again after their table's definition was fixed (Snowflake's <c>COPY … FORCE</c>), each as a
/// new attempt in load_history, then applies the stream. A file loaded whole is loaded again only with --force.
/// </summary>
internal static class ReloadCommand
{
    /// <summary>Statuses a reload takes without --force: the file's rows did not all reach the ledger.</summary>
    private static readonly string[] Unfinished = ["LOAD_FAILED", "PARTIALLY_LOADED", "SKIPPED", "LOAD_SKIPPED"];

    /// <summary>What --failed selects: files with rows that did not load.</summary>
    private static readonly string[] Failed = ["LOAD_FAILED", "PARTIALLY_LOADED"];

    public static Command Create()
    {
        var files = new Argument<string[]>("FILE|KEY")
        {
            Description = "A file's lake key, or its name when one file has it (as 'status --files' lists them)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var table = new Option<string?>("--table", "-t") { Description = "With --failed: that table's files only" };
        var failed = new Option<bool>("--failed") { Description = "Every LOAD_FAILED or PARTIALLY_LOADED file (of --table)" };
        var force = new Option<bool>("--force")
        {
            Description = "Also reload a file its last attempt LOADED whole: its rows are loaded a second time (duplicates: no new versions)",
        };
        var command = new Command("reload", "Load files again after fixing their table's definition, each as a new attempt (COPY ... FORCE)")
        {
            files, table, failed, force, Common.Quiet, Common.AllowRejects,
        };
        command.SetAction(async (parse, ct) =>
        {
            var named = parse.GetValue(files) ?? [];
            var wantFailed = parse.GetValue(failed);
            if (named.Length == 0 && !wantFailed)
            {
                throw new UsageException("reload: name a FILE or KEY, or give --failed (with --table T for one table's)");
            }

            if (named.Length > 0 && wantFailed)
            {
                throw new UsageException("reload: name files or give --failed, not both");
            }

            var time = TimeProvider.System;
            var ws = Common.OpenWorkspace(parse, create: false);
            var tableName = parse.GetValue(table) is { Length: > 0 } t ? ws.Settings.Table(t).Name : null;
            using var logs = Common.Logs(parse, ws, time);
            var output = parse.InvocationConfiguration.Output;
            var progress = new RunProgress(output, parse.GetValue(Common.Quiet));
            await using var runner = await PipelineRunner.StartAsync(ws, time, logs, Stages.Load | Stages.Tasks, "reload", ct);
            var keys = wantFailed ? FailedKeys(runner, tableName) : named.Select(n => KeyOf(runner, n, parse.GetValue(force))).Distinct().ToList();
            progress.Start("reload", ws, null, runner.RunId);
            progress.Attach(runner);
            if (keys.Count == 0)
            {
                output.WriteLine(tableName is null ? "reload: no LOAD_FAILED or PARTIALLY_LOADED file" : $"reload: no LOAD_FAILED or PARTIALLY_LOADED file of table {tableName}");
                return ExitCodes.Ok;
            }

            var outcomes = runner.Reload(keys, parse.GetValue(force), ct);
            foreach (var refused in outcomes.Where(o => o.Status == LoadStatus.AlreadyLoaded))
            {
                // Loaded whole meanwhile by another worker: said, not reloaded.
                await parse.InvocationConfiguration.Error.WriteLineAsync($"customertrack: {refused.Key}: {refused.Error}");
            }

            await runner.DrainTasksAsync(ct);
            progress.Summary("reload", runner.Tally);
            var whole = outcomes.All(o => o.Status is LoadStatus.Loaded or LoadStatus.AlreadyLoaded);
            return whole || parse.GetValue(Common.AllowRejects) ? ExitCodes.Ok : ExitCodes.Rejects;
        });
        return command;
    }

    /// <summary>The keys of <paramref name="table"/>'s (or every table's) files whose last attempt left rows unloaded.</summary>
    private static List<string> FailedKeys(PipelineRunner runner, string? table)
    {
        List<QueryParameter> parameters = [QueryParameter.TextList("statuses", Failed)];
        if (table is not null)
        {
            parameters.Add(QueryParameter.Text("table", table));
        }

        var where = table is null ? "" : " AND table_name = $table";
        var rows = runner.Query($"SELECT file_key FROM load_history WHERE status = ANY($statuses){where} ORDER BY file_key", parameters).Rows;
        return rows.Select(r => r[0]!).ToList();
    }

    /// <summary>
    /// The lake key <paramref name="name"/> means: a key in the load history, or the name of exactly one file there.
    /// A file loaded whole needs --force.
    /// </summary>
    private static string KeyOf(PipelineRunner runner, string name, bool force)
    {
        var rows = runner.Query("""
            SELECT file_key, status FROM load_history
            WHERE file_key = $name OR (file_name = $name AND NOT EXISTS
                (SELECT 1 FROM load_history k WHERE k.file_key = $name))
            ORDER BY file_key
            """, [QueryParameter.Text("name", name)]).Rows;
        if (rows.Count == 0)
        {
            throw new CustomerTrackException($"reload: no file '{name}' in the load history (a lake key or a file name, as 'status --files' lists them); a file never loaded is loaded by 'run' or 'load'");
        }

        if (rows.Count > 1)
        {
            throw new CustomerTrackException(string.Create(CultureInfo.InvariantCulture,
                $"reload: {rows.Count} files are named '{name}'; give the key of one: {string.Join(", ", rows.Select(r => r[0]))}"));
        }

        var (key, status) = (rows[0][0]!, rows[0][1]!);
        if (!force && !Unfinished.Contains(status, StringComparer.Ordinal))
        {
            throw new CustomerTrackException($"reload: {key} is {status}: its last attempt loaded every row; --force loads it again (its rows then count as duplicates: no new versions)");
        }

        return key;
    }
}
