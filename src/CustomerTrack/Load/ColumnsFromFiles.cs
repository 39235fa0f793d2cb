using CustomerTrack.Formats;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Load;

/// <summary>
/// The load's schema-evolution step (<c>SchemaEvolution: add</c>), before a file loads: the columns the file brings and
/// its table lacks are added to the table (<see cref="IWarehouse.AddColumns"/>, committed on their own), and the file
/// then loads with them, its values included. The columns come through the same reader boundary, so every format names
/// them the same way, from a CSV file's header row and a Parquet file's schema (an NDJSON file is read through, as its
/// objects may each bring others). Tables under the default <c>ignore</c> skip this step; their extra columns stay listed
/// in load_history's unknown_columns.
/// </summary>
internal sealed partial class ColumnsFromFiles(Workspace workspace, IWarehouse warehouse, TimeProvider time, ILogger logger)
{
    /// <summary><paramref name="file"/> with its table as it loads: grown by the columns the file brought, if its table takes them.</summary>
    public LakeFile Prepare(LakeFile file)
    {
        if (file.Table is not { SchemaEvolution: SchemaEvolution.Add } table || (table.Format == FileFormat.Csv && !table.Csv.Header))
        {
            // A CSV file without a header row names no columns.
            return file;
        }

        FileReadSummary summary;
        try
        {
            summary = ChangeFiles.Columns(file.LocalPath, table, workspace.Settings.Load.MaxFieldBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CustomerTrackException)
        {
            // The load meets the same problem and handles it.
            return file;
        }

        if (summary.FileError is not null || summary.UnknownColumns.Count == 0)
        {
            return file;
        }

        var added = new List<string>();
        foreach (var name in summary.UnknownColumns)
        {
            if (Refusal(name) is { } why)
            {
                LogNotAdded(logger, file.Key, table.Name, name, why);
            }
            else
            {
                added.Add(name);
            }
        }

        if (added.Count == 0)
        {
            return file;
        }

        var grown = warehouse.AddColumns(table, added, file.Key, time.GetUtcNow().UtcDateTime);
        workspace.Settings.Replace(grown);
        LogAdded(logger, file.Key, table.Name, string.Join(", ", added));
        return file with { Table = grown };
    }

    /// <summary>Why a file's column cannot become a column of the table; null when it can.</summary>
    private static string? Refusal(string name)
    {
        if (TableDefinition.ReservedColumns.Contains(name))
        {
            return "the warehouse tables use that name themselves";
        }

        try
        {
            Identifiers.Validate(name, "column");
            return null;
        }
        catch (CustomerTrackException e)
        {
            return e.Message;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "load: {Key}: table {Table} gains column(s) {Columns} (SchemaEvolution add)")]
    private static partial void LogAdded(ILogger logger, string key, string table, string columns);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load: {Key}: column {Column} is not added to table {Table} ({Why}); it stays in unknown_columns")]
    private static partial void LogNotAdded(ILogger logger, string key, string table, string column, string why);
}
