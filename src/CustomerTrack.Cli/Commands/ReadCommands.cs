using System.CommandLine;
using System.Text.Json;
using CustomerTrack.Cli.Output;
using CustomerTrack.Contract;
using CustomerTrack.Query;

namespace CustomerTrack.Cli.Commands;

/// <summary>status, query, history, as-of: readers that work beside a running owner.</summary>
internal static class ReadCommands
{
    private static readonly string AttributeList = string.Join(", ", Columns.Attributes);

    public static Command Query()
    {
        var sql = new Argument<string>("SQL") { Description = "One read-only SELECT statement" };
        var command = new Command("query", "Run a read-only SQL query on the warehouse") { sql, Common.Format };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            using var reader = WarehouseReader.Open(ws);
            ResultPrinter.Print(await reader.QueryAsync(parse.GetValue(sql)!, ct), parse.GetValue(Common.Format)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            return 0;
        });
        return command;
    }

    public static Command History()
    {
        var id = new Argument<long>("CUSTOMER_ID")
        {
            Description = "The customer's business key",
            CustomParser = r => Common.CustomerId(r, "CUSTOMER_ID"),
        };
        var command = new Command("history", "Every version of one customer (SCD2), oldest first") { id, Common.Format };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            using var reader = WarehouseReader.Open(ws);
            var result = await reader.QueryAsync($"""
                SELECT customer_id, {AttributeList}, start_time, end_time, is_current, is_deleted
                FROM customer_history WHERE customer_id = {parse.GetValue(id)} ORDER BY start_time
                """, ct);
            ResultPrinter.Print(result, parse.GetValue(Common.Format)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            return 0;
        });
        return command;
    }

    public static Command AsOf()
    {
        var at = new Argument<string>("TIMESTAMP") { Description = "ISO 8601; no offset means UTC" };
        var customer = new Option<long?>("--customer")
        {
            Description = "Only this customer",
            CustomParser = r => Common.CustomerId(r, "--customer"),
        };
        var command = new Command("as-of", "The customer table as it stood at a moment, from history") { at, customer, Common.Format };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var t = Common.SqlTimestamp(Common.Timestamp(parse.GetValue(at)!, "as-of"));
            var only = parse.GetValue(customer) is { } c ? $" AND customer_id = {c}" : "";
            using var reader = WarehouseReader.Open(ws);
            var result = await reader.QueryAsync($"""
                SELECT customer_id, {AttributeList}, start_time AS valid_from
                FROM customer_history
                WHERE start_time <= {t} AND {t} < end_time AND NOT is_deleted{only}
                ORDER BY customer_id
                """, ct);
            ResultPrinter.Print(result, parse.GetValue(Common.Format)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            return 0;
        });
        return command;
    }

    public static Command Status()
    {
        var json = new Option<bool>("--json") { Description = "Print the status as one JSON object" };
        var files = new Option<bool>("--files") { Description = "Also account for every file: rows in it, loaded, rejected, and why" };
        var command = new Command("status", "Counts per stage, pending files, stream lag, last task run") { json, files };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            using var reader = WarehouseReader.Open(ws);
            var s = await StatusReport.ReadAsync(ws, reader, ct);
            var output = parse.InvocationConfiguration.Output;
            var perFile = parse.GetValue(files) ? await reader.QueryAsync(StatusReport.FilesSql, ct) : null;
            if (parse.GetValue(json))
            {
                var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
                var node = JsonSerializer.SerializeToNode(s, options)!.AsObject();
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
            output.WriteLine($"load         {s.FilesLoaded} file(s) loaded ({s.FilesFailed} failed): {s.RowsLoaded} rows in, {s.RowsRejected} rejected");
            output.WriteLine($"ledger       {s.LedgerRows} rows in customer_raw");
            output.WriteLine($"stream       offset {s.StreamOffset}, lag {s.StreamLag} row(s)");
            output.WriteLine($"tables       {s.Customers} customers, {s.Versions} versions");
            output.WriteLine(s.LastTaskRunAt is null
                ? "tasks        no run yet"
                : $"tasks        {s.TaskRuns} run(s), {s.TiesTotal} tie(s); last at {s.LastTaskRunAt} UTC: {s.LastTaskRunRows} rows in {s.LastTaskRunMs:F0} ms");
            if (perFile is not null)
            {
                output.WriteLine();
                ResultPrinter.Print(perFile, "table", output);
            }

            return 0;
        });
        return command;
    }
}
