using System.CommandLine;
using CustomerTrack.Init;

namespace CustomerTrack.Cli.Commands;

/// <summary>init: a table definition inferred from a sample file, written into the workspace's customertrack.json.</summary>
internal static class InitCommand
{
    public static readonly Option<string> From = new("--from") { Description = "The sample file (csv, ndjson or parquet, told by its content)", Required = true };
    public static readonly Option<string?> Table = new("--table") { Description = "The table's name (default: the file's name)" };
    public static readonly Option<string[]> Key = new("--key") { Description = "A key column (repeat for a composite key; default: a column named id, <table>_id or key)" };
    public static readonly Option<string?> EventTime = new("--event-time") { Description = "The column that sequences changes (default: a timestamp column named updated_at, changed_at, modified_at, event_time or ts)" };
    public static readonly Option<bool> Force = new("--force") { Description = "Replace a table of that name already defined" };

    public static Command Create()
    {
        // An option of its own per command: a validator added to a shared one raced with parses running at the same time.
        var mode = new Option<string>("--mode")
        {
            Description = "changes (each file holds changes) or snapshot (each file is the whole table at its event time)",
            DefaultValueFactory = _ => "changes",
        };
        mode.AcceptOnlyFromAmong("changes", "snapshot");
        var command = new Command("init", "Infer a table definition from a sample file and write it into customertrack.json")
        {
            From, Table, Key, EventTime, Force, mode,
        };
        command.SetAction(parse =>
        {
            var request = new InitRequest(parse.GetValue(From)!, parse.GetValue(Table), parse.GetValue(Key), parse.GetValue(EventTime), parse.GetValue(Force),
                Snapshot: parse.GetValue(mode) == "snapshot");
            var result = TableInit.Run(parse.GetValue(Common.Workspace)!, request, Common.Flags(parse));
            var output = parse.InvocationConfiguration.Output;
            var landing = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(result.SettingsFile)!, "landing", result.Table)).FullName;
            output.WriteLine($"init: table {result.Table} from {Path.GetFileName(request.From)} {(result.Created ? "written into a new" : "merged into")} {Path.GetFullPath(result.SettingsFile)}");
            foreach (var note in result.Notes)
            {
                output.WriteLine("  " + note);
            }

            output.WriteLine(result.Entry);
            output.WriteLine($"Files for it go into {landing}/.");
            return 0;
        });
        return command;
    }
}
