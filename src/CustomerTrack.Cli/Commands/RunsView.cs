using System.CommandLine;
using System.Globalization;
using CustomerTrack.Cli.Output;
using CustomerTrack.Query;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Cli.Commands;

/// <summary>
/// <c>status --runs</c> (the latest runs, newest first, with their files, rows and task runs) and <c>status --run ID</c>
/// (what one process did: each file it loaded and each task run, oldest first), read by run id (<see cref="Invocations"/>).
/// </summary>
internal static class RunsView
{
    /// <summary>How many runs <c>--runs</c> lists unless <c>--limit</c> says.</summary>
    private const int DefaultRuns = 20;

    public static readonly Option<string?> Run = new("--run")
    {
        Description = "What one run did (its id, printed at its start): every file it loaded and task run it made",
    };

    public static readonly Option<bool> Runs = new("--runs") { Description = "The latest runs (--limit N, default 20): files, rows, task runs, versions" };

    /// <summary>Prints the runs or the one run asked for; false when neither was.</summary>
    public static async Task<bool> PrintAsync(ParseResult parse, WarehouseReader reader, bool json, int? limit, CancellationToken ct)
    {
        var output = parse.InvocationConfiguration.Output;
        if (parse.GetValue(Runs))
        {
            var runsArgs = new QueryArgs();
            var runs = await reader.QueryAsync(RunReport.Runs(limit ?? DefaultRuns, runsArgs), runsArgs, ct);
            if (json)
            {
                ResultPrinter.Print(runs, "json", output);
            }
            else if (runs.Rows.Count == 0)
            {
                output.WriteLine("no run has loaded a file or run a task yet (runs before run ids were kept have none)");
            }
            else
            {
                ResultPrinter.Print(runs, "table", output, Terminal.Width(output));
            }

            return true;
        }

        if (parse.GetValue(Run) is not { } id)
        {
            return false;
        }

        var args = new QueryArgs();
        var items = await reader.QueryAsync(RunReport.Items(id, args), args, ct);
        if (items.Rows.Count == 0)
        {
            throw new CustomerTrackException($"status --run: no file or task run has run id '{id}'; 'customertrack status --runs' lists the runs");
        }

        if (json)
        {
            ResultPrinter.Print(items, "json", output);
            return true;
        }

        foreach (var line in Summary(id, items))
        {
            output.WriteLine(line);
        }

        var view = View(items);
        ResultPrinter.Print(view, "table", output, Terminal.Width(output), [(view.IndexOf("item"), 12)]);
        return true;
    }

    /// <summary>Two lines that fit 80 columns: "run ID: 3 file(s), 5 row(s) in, 1 rejected, 1 LOAD_FAILED", then its task runs.</summary>
    private static IEnumerable<string> Summary(string id, QueryResult items)
    {
        var (step, status, rows, rejected) = (items.IndexOf("step"), items.IndexOf("status"), items.IndexOf("rows"), items.IndexOf("rejected"));
        var loads = items.Rows.Where(r => r[step] == "load").ToList();
        var tasks = items.Rows.Where(r => r[step] == "task").ToList();
        static long Sum(IEnumerable<string?[]> rs, int i) => rs.Sum(r => long.Parse(r[i] ?? "0", CultureInfo.InvariantCulture));
        yield return string.Create(CultureInfo.InvariantCulture,
            $"run {id}: {loads.Count} file(s), {Sum(loads, rows)} row(s) in, {Sum(loads, rejected)} rejected, {loads.Count(r => r[status] == "LOAD_FAILED")} LOAD_FAILED");
        yield return string.Create(CultureInfo.InvariantCulture, $"  {tasks.Count} task run(s); times UTC");
    }

    /// <summary>
    /// The table a terminal shows, within 80 columns: the item says whether it is a file or a task run, so no step column;
    /// a task run's empty counts are blank; a run within one day shows each row's time of day (the day is in its id), a
    /// run across days the whole timestamps.
    /// </summary>
    private static QueryResult View(QueryResult items)
    {
        var (step, at) = (items.IndexOf("step"), items.IndexOf("at"));
        var oneDay = items.Rows.Select(r => r[at]?[..10]).Distinct().Count() == 1;
        var keep = Enumerable.Range(0, items.Columns.Count).Where(i => i != step).ToArray();
        var rows = items.Rows.Select(r => keep.Select(i => i == at && oneDay ? r[i]?[11..19] : r[i] ?? "").ToArray<string?>()).ToList();
        var columns = keep.Select(i => i == at ? items.Columns[i] with { Kind = CellKind.Text } : items.Columns[i]).ToList();
        return new QueryResult(columns, rows);
    }
}
