using System.CommandLine;
using System.Globalization;
using CustomerTrack.Configuration;
using CustomerTrack.Init;

namespace CustomerTrack.Cli.Commands;

/// <summary>
/// check (dbt's debug and parse): every problem of the settings at once, one line each naming the setting or table, and
/// with --sample a file read through a table's definition as a load would read it. Opens no warehouse and makes nothing.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var sample = new Option<string?>("--sample") { Description = "Read this file through the table's definition: rows that would load, and every reject" };
        var table = new Option<string?>("--table", "-t") { Description = "With --sample: the table (default: the one marked Default, or the only one)" };
        var command = new Command("check", "Check customertrack.json (every problem at once) and, with --sample, a file against a table") { sample, table };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var dir = Path.GetFullPath(parse.GetValue(Common.Workspace)!);
            var flags = Common.Flags(parse);
            var problems = SettingsLoader.Problems(dir, flags);
            foreach (var problem in problems)
            {
                await output.WriteLineAsync(problem);
            }

            if (problems.Count > 0)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"check: {problems.Count} problem(s) in {Common.SettingsFileName}, the environment or flags"));
                return ExitCodes.Usage;
            }

            var settings = SettingsLoader.Load(dir, flags);
            if (parse.GetValue(sample) is not { } file)
            {
                if (parse.GetValue(table) is not null)
                {
                    throw new UsageException("check: --table names the table a --sample is read through; add --sample FILE");
                }

                await output.WriteLineAsync($"check: the settings are clean; tables {string.Join(", ", settings.Definitions.Select(t => $"{t.Name} ({string.Join(", ", t.Key.Select(k => k.Name))})"))}");
                return ExitCodes.Ok;
            }

            if (!File.Exists(file))
            {
                throw new UsageException($"check --sample: no file {file}");
            }

            var definition = parse.GetValue(table) is { Length: > 0 } name ? settings.Table(name)
                : settings.ImpliedTable
                    ?? throw new UsageException($"check --sample: name the table with --table; the tables are {string.Join(", ", settings.Definitions.Select(t => t.Name))}");
            var (summary, rejects) = SampleCheck.Rehearse(file, definition, settings.Load.MaxFieldBytes);
            var shown = Path.GetFileName(file);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"check: {shown} through table {definition.Name}: {summary.Accepted} row(s) would load, {summary.Rejected} rejected"));
            if (summary.FileError is { } error)
            {
                await output.WriteLineAsync($"  {shown}: {error}");
            }

            foreach (var (line, field, reason) in rejects)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {shown} line {line}, field {field}: {reason}"));
            }

            if (summary.UnknownColumns.Count > 0)
            {
                await output.WriteLineAsync($"  {shown}: columns {string.Join(", ", summary.UnknownColumns)} would be dropped (table {definition.Name} does not define them)");
            }

            return summary.Rejected > 0 || summary.FileError is not null ? ExitCodes.Rejects : ExitCodes.Ok;
        });
        return command;
    }
}
