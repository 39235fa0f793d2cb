using System.Globalization;
using CustomerTrack.Pipeline;
using CustomerTrack.Scd;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Cli.Output;

/// <summary>
/// What a stage command prints while it works: a start line (workspace, engine, lake, dashboard), one dbt-style line per
/// file loaded and per task run (file, status, rows, rejects, ms), and a summary on exit. <c>--quiet</c> prints none of it.
/// Lines come from the loader's and the task's threads, so writes are serialised.
/// </summary>
internal sealed class RunProgress(TextWriter output, bool quiet)
{
    private readonly Lock _lock = new();

    /// <summary>The start line, the run id first (what 'status --run' takes).</summary>
    public void Start(string command, Workspace ws, string? dashboardUrl, string runId)
    {
        var lake = ws.Settings.Lake.IsS3 ? ws.Settings.Lake.Uri : ws.LakeRoot;
        var dashboard = dashboardUrl is null ? "" : $", dashboard {dashboardUrl}";
        Line($"customertrack {command}: run {runId}, workspace {ws.Root}, warehouse {ws.Settings.Warehouse.Engine} {Warehouses.Describe(ws)}, lake {lake}{dashboard}");
    }

    public void Attach(PipelineRunner runner)
    {
        runner.FileLoaded += o => Line(FileLine(o));
        runner.TaskRan += r => Line(TaskLine(r));
    }

    /// <summary>
    /// "  task  run 1     ledger (0, 5]  5 rows  2 customers  4 versions  0 ties  12 ms" for the customer table; another
    /// table's line names it and counts keys: "  task  product  run 2     ledger (5, 9]  4 rows  2 keys  …".
    /// </summary>
    internal static string TaskLine(TaskRunOutcome r)
    {
        var customer = r.Table == Tables.TableDefinition.CustomerName;
        return string.Create(CultureInfo.InvariantCulture,
            $"  task  {(customer ? "" : r.Table + "  ")}run {r.RunId,-5} ledger ({r.FromSeq}, {r.ToSeq}]  {r.RowsRead} rows  {r.Keys} {Tables.TableDefinition.KeysWord(r.Table)}  {r.Versions} versions  {r.Ties} ties  {r.Duration.TotalMilliseconds:F0} ms");
    }

    /// <summary>
    /// "  load  first.csv  LOADED  3 rows  0 rejects  12 ms", with the file's error when it has one and the columns the
    /// load dropped; a file skipped as a copy: "  load  x.csv  LOAD_SKIPPED  already loaded as &lt;key&gt; (same name and content)".
    /// </summary>
    internal static string FileLine(LoadOutcome o)
    {
        var name = Lake.LakeKey.Parse(o.Key).FileName;
        if (o.Status == LoadStatus.Skipped)
        {
            return $"  load  {name}  {o.Status.Text()}  {o.Error}";
        }

        var line = string.Create(CultureInfo.InvariantCulture,
            $"  load  {name}  {o.Status.Text()}  {o.RowsLoaded} rows  {o.RowsRejected} rejects  {o.Ms:F0} ms");
        line = o.Error is null ? line : $"{line}  ({o.Error})";
        return o.DroppedColumns.Count == 0 ? line
            : $"{line}  dropped columns {string.Join(", ", o.DroppedColumns)} (the table does not define them)";
    }

    public void Summary(string command, RunTally tally)
    {
        var problems = tally.FilesFailed > 0 || tally.RowsRejected > 0
            ? $"; {tally.FilesFailed} file(s) LOAD_FAILED, {tally.RowsRejected} row(s) rejected (see 'customertrack status --files')"
            : "";
        if (tally.FilesUnreadable > 0)
        {
            problems += $"; {tally.FilesUnreadable} landing file(s) unreadable, set aside (see 'customertrack status')";
        }

        Line(string.Create(CultureInfo.InvariantCulture,
            $"{command}: {tally.FilesIngested} file(s) ingested, {tally.Files} processed, {tally.TaskRuns} task run(s) applying {tally.RowsApplied} row(s){problems}"));
    }

    private void Line(string text)
    {
        if (quiet)
        {
            return;
        }

        lock (_lock)
        {
            output.WriteLine(text);
            output.Flush();
        }
    }
}
