using System.CommandLine;
using System.Text.Json;
using CustomerTrack.Cli.Output;
using CustomerTrack.Formats;
using CustomerTrack.Query;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Cli.Commands;

/// <summary>status, query, history, as-of: readers that work beside a running owner.</summary>
internal static class ReadCommands
{
    public static Command Query()
    {
        var sql = new Argument<string>("SQL") { Description = "One read-only SELECT statement, or - to read it from stdin" };
        var command = new Command("query", "Run a read-only SQL query on the warehouse") { sql, Common.Format };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var text = parse.GetValue(sql)!;
            if (text == "-")
            {
                text = await Program.Input.ReadToEndAsync(ct);
                if (string.IsNullOrWhiteSpace(text))
                {
                    throw new UsageException("query -: stdin held no SQL");
                }
            }

            using var reader = WarehouseReader.Open(ws);
            ResultPrinter.Print(await reader.QueryAsync(text, ct), parse.GetValue(Common.Format)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            return 0;
        });
        return command;
    }

    internal static readonly Option<string?> Table = new("--table", "-t")
    {
        Description = "The table (default: the one marked Default, or the only one)",
    };

    internal static readonly Option<string[]> Key = new("--key", "-k")
    {
        Description = "A key column's value, column=value (repeat for a composite key; part of it selects every key that matches), or a one-column key's value alone",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>docs/semantics.md, rule 17: the answer from the ledger rows loaded by then.</summary>
    private static readonly Option<string?> KnownAt = new("--known-at")
    {
        Description = "Answer as the pipeline showed it at this moment: from the rows loaded by then (ISO 8601; no offset means UTC)",
    };

    /// <summary>The --known-at moment, or null for today's answer.</summary>
    private static DateTime? KnownAtOf(ParseResult parse) =>
        parse.GetValue(KnownAt) is { } text ? Common.Timestamp(text, "--known-at") : null;

    /// <summary>The table a reading command names, or the default one.</summary>
    internal static TableDefinition ChosenTable(ParseResult parse, Workspace ws)
    {
        var settings = ws.Settings;
        if (parse.GetValue(Table) is { Length: > 0 } name)
        {
            return settings.Table(name);
        }

        return settings.ImpliedTable
            ?? throw new CustomerTrackException($"name the table with --table; the tables are {string.Join(", ", settings.Definitions.Select(t => t.Name))}");
    }

    /// <summary>The key condition from a bare KEY argument or --key column=value options, its values added to <paramref name="args"/>.</summary>
    internal static KeyFilter KeyOf(TableDefinition table, string? bare, string[] keys, QueryArgs args)
    {
        if (bare is not null && keys.Length > 0)
        {
            throw new CustomerTrackException("give the key either as KEY or with --key column=value, not both");
        }

        // A one-column key's value alone (--key 42) is checked as the bare KEY is.
        if (keys is [var single] && table.Key.Count == 1 && !single.Contains('=', StringComparison.Ordinal))
        {
            (bare, keys) = (single, []);
        }

        if (bare is not null && table.Key.Count == 1 && !bare.Contains('=', StringComparison.Ordinal))
        {
            var column = table.Key[0];
            if (Values.FromText(bare, column.Type, out _) is { } error)
            {
                throw new CustomerTrackException(column.Type.Kind is ColumnKind.Int64 or ColumnKind.Int32
                    ? $"{column.Name.ToUpperInvariant()} '{bare}' is not a {column.Name}; give a whole number like 42"
                    : $"{column.Name.ToUpperInvariant()} '{bare}': {error}");
            }
        }

        var values = bare is not null ? [bare] : keys;
        if (values.Length == 0)
        {
            throw new CustomerTrackException($"give the key: {string.Join(" ", table.Key.Select(k => $"--key {k.Name}=…"))}");
        }

        return TableReads.KeyCondition(table, values, args, partial: true);
    }

    public static Command History()
    {
        var id = new Argument<string?>("KEY")
        {
            Description = "The key of a one-column key (for a composite key use --key column=value)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("history", "Every version of one key (SCD2), oldest first") { id, Table, Key, KnownAt, Common.Format };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var table = ChosenTable(parse, ws);
            var args = new QueryArgs();
            var condition = KeyOf(table, parse.GetValue(id), parse.GetValue(Key) ?? [], args);
            var knownAt = KnownAtOf(parse);
            using var reader = WarehouseReader.Open(ws);
            table = await reader.WithStoredColumnsAsync(table, ct);
            var result = await reader.QueryAsync(TableReads.History(table, condition.Sql, knownAt, args), args, ct);
            var format = parse.GetValue(Common.Format)!;
            ResultPrinter.Print(result, format, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (result.Rows.Count == 0 && format == "table")
            {
                parse.InvocationConfiguration.Output.WriteLine(EmptyReasons.History(table, condition, knownAt));
            }

            return 0;
        });
        return command;
    }

    public static Command AsOf()
    {
        var at = new Argument<string>("TIMESTAMP") { Description = "ISO 8601; no offset means UTC" };
        var command = new Command("as-of", "A table as it stood at a moment, from history") { at, Table, Key, KnownAt, Common.Format };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var t = Common.Timestamp(parse.GetValue(at)!, "as-of");
            var table = ChosenTable(parse, ws);
            var keys = parse.GetValue(Key) ?? [];
            var args = new QueryArgs();
            var only = keys.Length > 0 ? KeyOf(table, null, keys, args) : null;

            var knownAt = KnownAtOf(parse);
            using var reader = WarehouseReader.Open(ws);
            table = await reader.WithStoredColumnsAsync(table, ct);
            var result = await reader.QueryAsync(TableReads.AsOf(table, t, only?.Sql, knownAt, args), args, ct);
            var format = parse.GetValue(Common.Format)!;
            ResultPrinter.Print(result, format, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (result.Rows.Count == 0 && format == "table")
            {
                parse.InvocationConfiguration.Output.WriteLine(await EmptyReasons.AsOfAsync(reader, table, t, only, args, ct, knownAt));
            }

            return 0;
        });
        return command;
    }

    public static Command Changes()
    {
        var from = new Option<string>("--from") { Description = "The first moment (ISO 8601; no offset means UTC)", Required = true };
        var to = new Option<string>("--to") { Description = "The second moment", Required = true };
        var command = new Command("changes", "Every key whose state differs between two moments: inserted, deleted or changed, each changed column before and after")
        {
            Table, from, to, Key, KnownAt, Common.Format,
        };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var table = ChosenTable(parse, ws);
            var t1 = Common.Timestamp(parse.GetValue(from)!, "--from");
            var t2 = Common.Timestamp(parse.GetValue(to)!, "--to");
            var keys = parse.GetValue(Key) ?? [];
            var args = new QueryArgs();
            var only = keys.Length > 0 ? KeyOf(table, null, keys, args) : null;
            var knownAt = KnownAtOf(parse);
            using var reader = WarehouseReader.Open(ws);
            table = await reader.WithStoredColumnsAsync(table, ct);
            var answer = await reader.QueryAsync(TableChanges.Sql(table, t1, t2, only?.Sql, knownAt, args), args, ct);
            var changes = TableChanges.Read(table, answer);
            var format = parse.GetValue(Common.Format)!;
            if (format is "json" or "ndjson")
            {
                ResultPrinter.PrintChanges(answer.Columns.Take(table.Key.Count).ToList(), changes, format == "ndjson", parse.InvocationConfiguration.Output);
            }
            else
            {
                ResultPrinter.Print(TableChanges.Long(table, answer, changes), format, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            }

            return 0;
        });
        return command;
    }

    public static Command Status()
    {
        var json = new Option<bool>("--json") { Description = "Print the status as one JSON object" };
        var files = new Option<bool>("--files") { Description = "Also account for every file: rows in it, loaded, rejected, and why" };
        var tables = Common.Tables();
        var failed = new Option<bool>("--failed") { Description = "With --files: only LOAD_FAILED and PARTIALLY_LOADED files" };
        var since = new Option<string?>("--since") { Description = "With --files: only files loaded this long ago or later (30m, 1h, 2d)" };
        var limit = new Option<int?>("--limit") { Description = "With --files: only the last N files loaded" };
        var command = new Command("status", "Counts per stage, pending files, stream lag, last task run")
        {
            json, files, tables, failed, since, limit, RunsView.Run, RunsView.Runs,
        };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var chosen = Common.ChosenTables(parse, tables, ws);
            var runs = parse.GetValue(RunsView.Runs) || parse.GetValue(RunsView.Run) is not null;
            if (runs && (parse.GetValue(files) || parse.GetValue(failed) || parse.GetValue(since) is not null || chosen.Count > 0))
            {
                throw new UsageException("--run and --runs show runs: leave out --files, --failed, --since and --table");
            }

            if (!parse.GetValue(files) && !parse.GetValue(RunsView.Runs) && (parse.GetValue(failed) || parse.GetValue(since) is not null || parse.GetValue(limit) is not null))
            {
                throw new UsageException("--failed, --since and --limit choose among files: add --files");
            }

            if (parse.GetValue(limit) is <= 0)
            {
                throw new UsageException($"--limit {parse.GetValue(limit)} is not a number of files; give 1 or more");
            }

            var selection = new FileSelection(chosen, parse.GetValue(failed),
                Common.Duration(parse, since) is { } ago ? TimeProvider.System.GetUtcNow().UtcDateTime - ago : null, parse.GetValue(limit));
            using var reader = WarehouseReader.Open(ws);
            if (await RunsView.PrintAsync(parse, reader, parse.GetValue(json), parse.GetValue(limit), ct))
            {
                return 0;
            }

            var s = await StatusReport.ReadAsync(ws, reader, ct, chosen);
            var output = parse.InvocationConfiguration.Output;
            var fileArgs = new QueryArgs();
            var perFile = parse.GetValue(files) ? FileList.Shorten(await reader.QueryAsync(FileList.Sql(selection, fileArgs), fileArgs, ct)) : null;
            if (parse.GetValue(json))
            {
                // snake_case like query's column names (those of --files among them); timestamps ISO 8601 UTC with a Z.
                var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
                {
                    WriteIndented = true,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                    PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                    Converters = { new UtcJson() },
                };
                var node = JsonSerializer.SerializeToNode(s with { LastTaskRunAt = s.LastTaskRunAt is { } last ? ResultPrinter.Iso(last) : null }, options)!.AsObject();
                if (perFile is not null)
                {
                    using var text = new StringWriter();
                    ResultPrinter.Print(perFile, "json", text);
                    node["files"] = System.Text.Json.Nodes.JsonNode.Parse(text.ToString());
                }

                output.WriteLine(node.ToJsonString(options));
                return 0;
            }

            output.WriteLine($"source       {s.Source}");
            output.WriteLine($"ingest       {s.LandingPending} file(s) waiting in landing/");
            foreach (var u in s.LandingUnreadable)
            {
                output.WriteLine($"             unreadable: {u.File} ({u.Reason}); {u.Attempts} attempt(s), next at {u.NextTry:yyyy-MM-dd HH:mm:ss} UTC");
            }

            output.WriteLine($"lake         {s.LakeObjects} object(s), {s.LakePending} not yet loaded");
            output.WriteLine($"load         {s.FilesLoaded} file(s) loaded ({s.FilesFailed} failed): {s.RowsLoaded} rows in, {s.RowsRejected} rejected"
                + (s.FilesSkipped > 0 ? $"; {s.FilesSkipped} skipped as already loaded (LOAD_SKIPPED)" : ""));
            foreach (var d in s.Dropped)
            {
                output.WriteLine($"             dropped: {d.File} ({d.Key}): columns {string.Join(", ", d.Columns)} are not in table {d.Table}'s definition");
            }

            if (s.Tables is [{ Table: TableDefinition.CustomerName } only])
            {
                output.WriteLine($"ledger       {only.LedgerRows} rows in customer_raw");
                output.WriteLine($"stream       offset {only.StreamOffset}, lag {only.StreamLag} row(s)");
                output.WriteLine($"tables       {only.CurrentRows} {TableDefinition.KeysWord(only.Table)}, {only.Versions} versions");
            }
            else
            {
                foreach (var t in s.Tables)
                {
                    output.WriteLine($"table {t.Table,-6} {t.LedgerRows} ledger rows, stream offset {t.StreamOffset} lag {t.StreamLag}, "
                        + $"{t.CurrentRows} current rows, {t.Versions} versions; {t.FilesLoaded} file(s) ({t.FilesFailed} failed), {t.RowsRejected} rejected");
                }
            }

            output.WriteLine(s.LastTaskRunAt is null
                ? "tasks        no run yet"
                : $"tasks        {s.TaskRuns} run(s), {s.TiesTotal} tie(s); last at {s.LastTaskRunAt} UTC: {s.LastTaskRunRows} rows in {s.LastTaskRunMs:F0} ms");
            if (perFile is not null)
            {
                output.WriteLine();
                // In a narrow terminal the reasons give way first, then the file's name; the status stays whole.
                var view = FilesView(perFile);
                ResultPrinter.Print(view, "table", output, Terminal.Width(output), [(view.Columns.Count - 1, 16), (0, 12)]);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// status --files as a terminal shows it: the file's name (reload takes it), its table, status, attempt and counts,
    /// then why (the reasons with a bad value each, or the file's error) last, where a narrow terminal cuts.
    /// </summary>
    private static QueryResult FilesView(QueryResult files)
    {
        int I(string c) => files.IndexOf(c);

        // The attempt only once a file was reloaded; rows in the file are loaded + rejected.
        var reloaded = files.Rows.Any(r => r[I("attempt")] != "1");
        var columns = new[] { ("file", CellKind.Text), ("table", CellKind.Text), ("status", CellKind.Text), ("attempt", CellKind.Number),
            ("loaded", CellKind.Number), ("rejected", CellKind.Number), ("why", CellKind.Text) }.Where(c => reloaded || c.Item1 != "attempt");
        var rows = files.Rows.Select(r => new[]
        {
            r[I("file_name")], r[I("table_name")], r[I("status")], r[I("attempt")], r[I("rows_loaded")],
            r[I("rows_rejected")], Why(r[I("reject_reasons")] ?? r[I("error")] ?? "", r[I("dropped_columns")]),
        }.Where((_, i) => reloaded || i != 3).ToArray()).ToList();
        return new QueryResult(columns.Select(c => new ResultColumn(c.Item1, c.Item2)).ToList(), rows);

        // Columns the load dropped (the table does not define them) are part of why a file is not whole.
        static string Why(string reasons, string? dropped) => string.IsNullOrEmpty(dropped)
            ? reasons
            : string.Join("; ", new[] { reasons, $"dropped columns {dropped.Replace(",", ", ", StringComparison.Ordinal)}" }.Where(p => p.Length > 0));
    }
}

/// <summary>A UTC moment in JSON: ISO 8601 with a <c>Z</c>, whatever the value's Kind says.</summary>
internal sealed class UtcJson : System.Text.Json.Serialization.JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTime.SpecifyKind(reader.GetDateTime(), DateTimeKind.Utc);

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
