using System.CommandLine;
using System.Globalization;
using CustomerTrack.Cli.Output;
using CustomerTrack.Contract;
using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using CustomerTrack.Query;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Cli.Commands;

/// <summary>
/// provenance (NiFi's per-file lineage): for a file, landing → lake (<c>logs/provenance.jsonl</c>) → each load attempt
/// (load_history, load_attempt) → the task runs that applied its rows (task_run), each with the run id of the process;
/// or, for a key, every file whose rows touched it, oldest first, each with that chain. A reader like status: through the
/// running owner when one holds the warehouse.
/// </summary>
internal static class ProvenanceCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("FILE|LAKE_KEY")
        {
            Description = "A file: its path below landing/ (orders/a.ndjson), its name (as 'status --files' lists it) or its lake key",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("provenance", "Where a file went (landing, lake, each load, the task runs that applied it), or every file that touched a key")
        {
            file, ReadCommands.Table, ReadCommands.Key, Common.Format,
        };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var name = parse.GetValue(file);
            var keys = parse.GetValue(ReadCommands.Key) ?? [];
            if ((name is null) == (keys.Length == 0))
            {
                throw new UsageException("provenance: name a FILE (or lake key), or give --key col=value (with --table T), not both");
            }

            if (name is not null && parse.GetValue(ReadCommands.Table) is not null)
            {
                throw new UsageException("provenance: --table goes with --key; a FILE names its own table");
            }

            var records = ProvenanceLog.Read(ws.ProvenanceFile);
            using var reader = WarehouseReader.Open(ws);
            IReadOnlyList<ProvenanceRecord> named = name is null ? [] : ProvenanceLog.Named(records, name).ToList();
            var table = name is null ? ReadCommands.ChosenTable(parse, ws) : null;
            var heading = table is null ? null : $"{string.Join(", ", keys)} of table {table.Name}";
            var args = new QueryArgs();
            var sql = table is null ? ProvenanceReport.Named([name!, .. named.Select(r => r.Key).Distinct()], args)
                : ProvenanceReport.Touching(table, ReadCommands.KeyOf(table, null, keys, args));

            // Before a run made the warehouse (no owner holds one either), a file can only be in landing/ or the lake.
            var chains = !Warehouses.IsPostgres(ws) && !File.Exists(ws.WarehousePath)
                ? new QueryResult(ProvenanceReport.Columns.Select(c => new ResultColumn(c, CellKind.Text)).ToList(), [])
                : await reader.QueryAsync(sql, args, ct);
            var rows = Lineage(ws, records, named, chains, name);
            if (rows.Rows.Count == 0 && name is not null)
            {
                throw new CustomerTrackException($"provenance: no file '{name}' in landing/, {Path.GetRelativePath(ws.Root, ws.ProvenanceFile)} or the load history; "
                    + "give its path below landing/, its name or its lake key, as 'status --files' lists them");
            }

            var output = parse.InvocationConfiguration.Output;
            var format = parse.GetValue(Common.Format)!;
            if (format != "table")
            {
                ResultPrinter.Print(rows, format, output, parse.InvocationConfiguration.Error);
                return 0;
            }

            if (heading is not null)
            {
                output.WriteLine(rows.Rows.Count == 0
                    ? $"provenance: no file loaded a row of {heading}"
                    : string.Create(CultureInfo.InvariantCulture, $"{heading}: {Files(rows).Count()} file(s), oldest first"));
            }

            var first = true;
            foreach (var chain in Files(rows))
            {
                if (!first || heading is not null)
                {
                    output.WriteLine();
                }

                first = false;
                output.WriteLine(Where(chain));
                output.WriteLine(Day(chain) is { } day ? $"  times UTC, on {day}" : "  times UTC");
                var view = View(chain);
                ResultPrinter.Print(view, "table", output, Terminal.Width(output), [(view.IndexOf("item"), 12), (view.IndexOf("run"), 8)]);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// Every row of the answer in <see cref="ProvenanceReport.Columns"/>: per file, its landing and lake rows from the
    /// provenance log, then the warehouse's rows for it; a file the log has and the load history not yet ends in a
    /// waiting load, and a file still in landing/ is one waiting landing row.
    /// </summary>
    private static QueryResult Lineage(Workspace ws, IReadOnlyList<ProvenanceRecord> records, IReadOnlyList<ProvenanceRecord> named,
        QueryResult chains, string? name)
    {
        var key = chains.IndexOf("file_key");
        var byKey = records.ToLookup(r => r.Key, StringComparer.Ordinal);
        var loaded = chains.Rows.GroupBy(r => r[key]!, StringComparer.Ordinal).ToList();
        var defaultTable = ws.Settings.ImpliedTable?.Name;
        string? TableOf(string lakeKey) => LakeKey.TableOf(lakeKey) ?? defaultTable;

        var rows = new List<string?[]>();
        foreach (var file in loaded)
        {
            rows.AddRange(Ingested(byKey[file.Key], file.First()[chains.IndexOf("table")]));
            if (!byKey[file.Key].Any())
            {
                // Put into the lake by something other than this workspace's ingest (a producer writing to S3).
                rows.Add(Row(file.Key, file.First()[chains.IndexOf("table")], "lake", file.Key, "IN_LAKE", null, null));
            }

            rows.AddRange(file);
        }

        // Ingested, not loaded yet: the lake holds it until load takes it.
        foreach (var waiting in named.GroupBy(r => r.Key, StringComparer.Ordinal).Where(g => loaded.All(f => f.Key != g.Key)))
        {
            rows.AddRange(Ingested(waiting, TableOf(waiting.Key)));
            rows.Add(Row(waiting.Key, TableOf(waiting.Key), "load", LakeKey.Parse(waiting.Key).FileName, "WAITING", null, null));
        }

        // Still in landing/ (a file of that name may have been ingested before: this one is another, newer one).
        foreach (var (landing, table) in name is null ? [] : Landing(ws, name))
        {
            rows.Add(Row(null, table ?? defaultTable, "landing", IngestStage.Relative(ws.Landing, landing), "WAITING", null, landing.LastWriteTimeUtc));
        }

        var columns = ProvenanceReport.Columns.Select(c => c is "attempt" or "rows" or "rejected" or "first_seq" or "last_seq"
            ? new ResultColumn(c, CellKind.Number) : new ResultColumn(c, c == "at" ? CellKind.Timestamp : CellKind.Text)).ToList();
        return new QueryResult(columns, rows);
    }

    /// <summary>A file's landing and lake rows, from each provenance record of its key (one, unless ingest stored it again).</summary>
    private static IEnumerable<string?[]> Ingested(IEnumerable<ProvenanceRecord> records, string? table) =>
        records.SelectMany(r => new[]
        {
            Row(r.Key, table, "landing", r.File, "LANDED", null, r.LandedAt),
            Row(r.Key, table, "lake", r.Key, "STORED", r.RunId, r.StoredAt),
        });

    private static string?[] Row(string? key, string? table, string stage, string item, string status, string? run, DateTime? at) =>
        [key, table, stage, null, item, status, null, null, null, null, run, at is { } t ? EventTime.Format(t) : null];

    /// <summary>The files in landing/ (not ingested yet) with <paramref name="name"/> as their path below landing/ or their name, each with its table folder's name.</summary>
    private static IEnumerable<(FileInfo File, string? Table)> Landing(Workspace ws, string name) =>
        !Directory.Exists(ws.Landing) ? []
            : IngestStage.LandingFiles(ws.Landing).Where(f => f.File.Name == name || IngestStage.Relative(ws.Landing, f.File) == name).ToList();

    /// <summary>The rows of each file, in the answer's order (a waiting landing file has no key and is one of its own).</summary>
    private static IEnumerable<QueryResult> Files(QueryResult rows)
    {
        var key = rows.IndexOf("file_key");
        return rows.Rows.GroupBy(r => r[key] ?? "").Select(g => rows with { Rows = g.ToList() });
    }

    /// <summary>One line: the file, its table and lake key, and where it stands now.</summary>
    private static string Where(QueryResult chain)
    {
        string? Cell(string?[] row, string column) => row[chain.IndexOf(column)];
        var first = chain.Rows[0];
        var last = chain.Rows[^1];
        var name = chain.Rows.FirstOrDefault(r => Cell(r, "stage") == "landing") is { } landed ? Cell(landed, "item")
            : chain.Rows.FirstOrDefault(r => Cell(r, "stage") == "load") is { } load ? Cell(load, "item") : Cell(first, "item");
        var lakeKey = Cell(first, "file_key") is { } k ? $", lake key {k}" : "";
        var stands = (Cell(last, "stage"), Cell(last, "status")) switch
        {
            ("landing", _) => "in landing/, not ingested yet",
            ("load", "WAITING") => "in the lake, not loaded yet",
            ("task", "WAITING") => $"loaded, {Cell(last, "rows")} row(s) not applied yet",
            ("task", _) => "loaded and applied",
            ("load", "LOAD_FAILED") => "LOAD_FAILED: no row reached the ledger ('reload' it once its table's definition is fixed)",
            ("load", "LOAD_SKIPPED" or "SKIPPED") => "skipped: a copy of a file loaded already",
            ("load", var status) => $"{status}, no row to apply",
            _ => "in the lake",
        };
        return $"{name}: table {Cell(first, "table")}{lakeKey}; {stands}";
    }

    /// <summary>The one day every row of <paramref name="chain"/> with a time is of, or null when they span several.</summary>
    private static string? Day(QueryResult chain)
    {
        var days = chain.Rows.Select(r => r[chain.IndexOf("at")]?[..10]).OfType<string>().Distinct().ToList();
        return days is [var day] ? day : null;
    }

    /// <summary>
    /// A file's rows as a terminal shows them: the attempt in the stage once a file was reloaded (<c>load #2</c>), the
    /// ledger range as one column, the time of day when every row is of one day (the heading says UTC).
    /// </summary>
    private static QueryResult View(QueryResult chain)
    {
        string? Cell(string?[] row, string column) => row[chain.IndexOf(column)];
        var reloaded = chain.Rows.Any(r => Cell(r, "attempt") is { } a && a != "1");
        var oneDay = Day(chain) is not null;
        var rows = chain.Rows.Select(r => new[]
        {
            reloaded && Cell(r, "attempt") is { } attempt ? $"{Cell(r, "stage")} #{attempt}" : Cell(r, "stage"),
            Cell(r, "item"), Cell(r, "status"), Cell(r, "rows") ?? "", Cell(r, "rejected") ?? "",
            Cell(r, "first_seq") is { } from ? (from == Cell(r, "last_seq") ? from : $"{from}-{Cell(r, "last_seq")}") : "",
            Cell(r, "run") ?? "", Cell(r, "at") is { } at ? (oneDay ? at[11..19] : at[..19]) : "",
        }).ToList<string?[]>();
        var columns = new[] { ("stage", CellKind.Text), ("item", CellKind.Text), ("status", CellKind.Text), ("rows", CellKind.Number),
            ("rejected", CellKind.Number), ("seq", CellKind.Text), ("run", CellKind.Text), ("at", CellKind.Text) };
        return new QueryResult(columns.Select(c => new ResultColumn(c.Item1, c.Item2)).ToList(), rows);
    }
}
