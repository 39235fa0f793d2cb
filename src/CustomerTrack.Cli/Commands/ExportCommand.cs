using System.CommandLine;
using CustomerTrack.Query;

namespace CustomerTrack.Cli.Commands;

/// <summary>export: a warehouse table to a Parquet or CSV file, through the running owner when there is one.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var table = new Option<string>("--table", "-t")
        {
            Description = "A warehouse table: customer_history, customer, load_history, or a defined table's <t> or <t>_history",
            Required = true,
        };
        var asOf = new Option<string?>("--as-of") { Description = "For a history table: only the versions valid at this moment (ISO 8601; no offset means UTC)" };
        var knownAt = new Option<string?>("--known-at")
        {
            Description = "For a defined table's history: as the pipeline showed it at this moment, from the rows loaded by then (ISO 8601)",
        };
        var to = new Option<string>("--to") { Description = "The file to write, FILE.parquet or FILE.csv (replaced if it exists)", Required = true };
        var command = new Command("export", "Write a warehouse table to a Parquet or CSV file, also while run holds the warehouse") { table, asOf, knownAt, to };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var path = Path.GetFullPath(parse.GetValue(to)!);
            try
            {
                TableExport.FormatOf(path);
            }
            catch (CustomerTrackException e)
            {
                throw new UsageException(e.Message);
            }

            DateTime? at = parse.GetValue(asOf) is { } text ? Common.Timestamp(text, "--as-of") : null;
            DateTime? known = parse.GetValue(knownAt) is { } moment ? Common.Timestamp(moment, "--known-at") : null;
            using var reader = WarehouseReader.Open(ws);
            var result = await reader.ExportAsync(new ExportRequest(parse.GetValue(table)!, path, at, known), ct);
            parse.InvocationConfiguration.Output.WriteLine($"exported {result.Rows} row(s) of {result.Table} to {result.Path} ({result.Format})");
            return 0;
        });
        return command;
    }
}
