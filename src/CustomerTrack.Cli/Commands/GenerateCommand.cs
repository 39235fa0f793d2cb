using System.CommandLine;
using CustomerTrack.Generate;

namespace CustomerTrack.Cli.Commands;

/// <summary>generate: synthetic changes into landing/ (the Faker notebook's role), for customers or any defined table.</summary>
internal static class GenerateCommand
{
    public static readonly Option<int> Keys = new("--keys") { Description = "Population size: how many keys (customers, or with --table the table's keys)", DefaultValueFactory = _ => 1000 };
    public static readonly Option<int?> Files = new("--files") { Description = "How many files (default 1, or endless with --every)" };
    public static readonly Option<int> RowsPerFile = new("--rows-per-file") { Description = "Changes per file", DefaultValueFactory = _ => 1000 };
    public static readonly Option<string?> Every = new("--every") { Description = "Write a file at this interval (500ms, 20s, 5m)" };
    public static readonly Option<int?> Seed = new("--seed") { Description = "Seed for repeatable output (default: random, printed)" };
    public static readonly Option<string?> Start = new("--start") { Description = "Event time of the first change (default: now)" };
    public static readonly Option<string?> Table = new("--table") { Description = "A table of the Tables settings: its changes go into landing/<table>/ in its format (default: customers into landing/)" };

    public static Command Create()
    {
        var command = new Command("generate", "Write synthetic change files into landing/: customers, or with --table any defined table into landing/<table>/")
        {
            Keys, Files, RowsPerFile, Every, Seed, Start, Table, Common.For,
        };
        command.SetAction(async (parse, ct) =>
        {
            var time = TimeProvider.System;
            var ws = Common.OpenWorkspace(parse, create: true);
            using var logs = Common.Logs(parse, ws, time);
            var options = Options(parse);
            var table = parse.GetValue(Table) is { } name ? ws.Settings.Table(name) : null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (Common.Duration(parse, Common.For) is { } limit)
            {
                stop.CancelAfter(limit);
            }

            var started = time.GetTimestamp();
            var made = 0;
            var rows = 0L;
            try
            {
                // Counted as files land, so that a run --for stopped in its wait says what it made.
                await new GenerateStage(ws, time, logs.CreateLogger("CustomerTrack.Generate"))
                    .RunAsync(options, stop.Token, (_, n) => (made, rows) = (made + 1, rows + n), table);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }

            parse.InvocationConfiguration.Output.WriteLine(
                $"generate: {made} file(s), {rows} rows into {(table is null ? ws.Landing : Path.Combine(ws.Landing, table.Name))} (seed {options.Seed}) in {time.GetElapsedTime(started).TotalSeconds:F2} s");
            return 0;
        });
        return command;
    }

    public static GenerateOptions Options(ParseResult parse)
    {
        var keys = parse.GetValue(Keys);
        var rows = parse.GetValue(RowsPerFile);
        if (keys <= 0 || rows <= 0 || parse.GetValue(Files) is <= 0)
        {
            throw new CustomerTrackException("--keys, --files and --rows-per-file take positive numbers");
        }

        return new GenerateOptions
        {
            Keys = keys,
            Files = parse.GetValue(Files),
            RowsPerFile = rows,
            Every = Common.Duration(parse, Every),
            Seed = parse.GetValue(Seed) ?? Random.Shared.Next(1, 1_000_000),
            Start = parse.GetValue(Start) is { } s ? Common.Timestamp(s, "--start") : null,
        };
    }
}
