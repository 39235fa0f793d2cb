using System.CommandLine;
using CustomerTrack.Query;

namespace CustomerTrack.Cli.Commands;

/// <summary>export: warehouse tables to Parquet or CSV files, through the running owner when there is one.</summary>
internal static class ExportCommand
{
    /// <summary>Where <c>--to</c> puts each table's name, so that several tables go to files of their own.</summary>
    private const string TablePlaceholder = "{table}";

    public static Command Create()
    {
        var tables = Common.Tables();
        tables.Description = "A warehouse table: customer_history, customer, load_history, or a defined table's <t> or <t>_history (repeatable)";
        tables.Required = true;
        var asOf = new Option<string?>("--as-of") { Description = "For a history table: only the versions valid at this moment (ISO 8601; no offset means UTC)" };
        var to = new Option<string>("--to")
        {
            Description = $"The file to write, FILE.parquet or FILE.csv (replaced if it exists); with several tables, {TablePlaceholder} in it stands for each one's name",
            Required = true,
        };
        var knownAt = new Option<string?>("--known-at")
        {
            Description = "For a defined table's history: as the pipeline showed it at this moment, from the rows loaded by then (ISO 8601)",
        };
        var command = new Command("export", "Write warehouse tables to Parquet or CSV files, also while run holds the warehouse") { tables, asOf, knownAt, to };
        command.SetAction(async (parse, ct) =>
        {
            var ws = Common.OpenWorkspace(parse, create: false);
            var names = parse.GetValue(tables)!.Distinct(StringComparer.Ordinal).ToList();
            var target = parse.GetValue(to)!;
            if (names.Count > 1 && !target.Contains(TablePlaceholder, StringComparison.Ordinal))
            {
                throw new UsageException($"--to '{target}' names one file for {names.Count} tables; write {TablePlaceholder} in it for each table's name, such as --to 'out/{TablePlaceholder}.parquet'");
            }

            var paths = names.Select(n => Path.GetFullPath(target.Replace(TablePlaceholder, n, StringComparison.Ordinal))).ToList();
            try
            {
                TableExport.FormatOf(paths[0]);
            }
            catch (CustomerTrackException e)
            {
                throw new UsageException(e.Message);
            }

            DateTime? at = parse.GetValue(asOf) is { } text ? Common.Timestamp(text, "--as-of") : null;
            DateTime? known = parse.GetValue(knownAt) is { } moment ? Common.Timestamp(moment, "--known-at") : null;
            using var reader = WarehouseReader.Open(ws);
            foreach (var (name, path) in names.Zip(paths))
            {
                var result = await reader.ExportAsync(new ExportRequest(name, path, at, known), ct);
                parse.InvocationConfiguration.Output.WriteLine($"exported {result.Rows} row(s) of {result.Table} to {result.Path} ({result.Format})");
            }

            return 0;
        });
        return command;
    }
}
