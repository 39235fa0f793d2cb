using System.CommandLine;
using CustomerTrack.Cli.Commands;

namespace CustomerTrack.Cli;

/// <summary>The customertrack command line: parse, call the library, print.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>Where <c>query -</c> reads its SQL: this run's input (a test's reader), else the console's.</summary>
    internal static TextReader Input => InputOf.Value ?? Console.In;

    private static readonly AsyncLocal<TextReader?> InputOf = new();

    public static RootCommand Build()
    {
        var root = new RootCommand("CustomerTrack: a real-time customer-data pipeline keeping SCD1 and SCD2 tables fresh")
        {
            Common.Workspace,
            Common.Set,
            Common.Verbose,
            Common.LogFormat,
            Common.Lake,
            Common.S3Endpoint,
            Common.Warehouse,
            Common.Connection,
            DemoCommand.Create(),
            PipelineCommands.Run(),
            GenerateCommand.Create(),
            InitCommand.Create(),
            CheckCommand.Create(),
            PipelineCommands.Ingest(),
            PipelineCommands.Load(),
            PipelineCommands.Tasks(),
            ReloadCommand.Create(),
            ReadCommands.Status(),
            ReadCommands.Query(),
            ReadCommands.History(),
            ReadCommands.AsOf(),
            ReadCommands.Changes(),
            ProvenanceCommand.Create(),
            ExportCommand.Create(),
            PipelineCommands.Rebuild(),
            BenchCommand.Create(),
            SnowflakeCommand.Create(),
        };
        return root;
    }

    /// <summary>How long a stopping command may take to finish normally before the exit code says it was interrupted.</summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    /// <summary>Runs one command line; every failure is one line on <paramref name="error"/> and a non-zero exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct = default, TextReader? input = null)
    {
        InputOf.Value = input;
        // A bare customertrack shows what it can do rather than an error.
        var parse = Build().Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            // A mistyped command also leaves "required command was not provided"; the unknown word is the one to fix.
            var first = parse.UnmatchedTokens.Count > 0
                ? parse.Errors.FirstOrDefault(e => e.Message.Contains($"'{parse.UnmatchedTokens[0]}'", StringComparison.Ordinal)) ?? parse.Errors[0]
                : parse.Errors[0];

            // Some parser messages list choices on lines of their own; the contract is one line.
            var message = string.Join(' ', first.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            var suggestions = Output.CliHelp.Suggestions(parse);
            await error.WriteLineAsync($"customertrack: {(suggestions.Length > 0 ? message.TrimEnd('.') : message)}{suggestions} (see 'customertrack --help')");
            return ExitCodes.Usage;
        }

        if (parse.Action is System.CommandLine.Help.HelpAction)
        {
            using var help = new StringWriter();
            await parse.InvokeAsync(new InvocationConfiguration { Output = help, Error = help }, ct);
            await output.WriteAsync(Output.CliHelp.Render(help.ToString(), parse.CommandResult.Command));
            return ExitCodes.Ok;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,

                // After Ctrl+C or SIGTERM a command ends its work, prints its summary and closes the dashboard and the
                // warehouse (DuckDB checkpoints): a normal stop, which on a busy machine can take longer than the parser's
                // 2 s default. Only a stop that hangs past this is reported as interrupted (130, 143).
                ProcessTerminationTimeout = StopGrace,
            }, ct);
        }
        catch (Exception e) when (e is UsageException or SettingsException)
        {
            await error.WriteLineAsync($"customertrack: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (CustomerTrackException e)
        {
            await error.WriteLineAsync($"customertrack: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("customertrack: stopped");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DuckDB.NET.Data.DuckDBException)
        {
            await error.WriteLineAsync($"customertrack: {e.Message.Split('\n')[0]}");
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync($"customertrack: internal error, please report it: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return ExitCodes.Internal;
        }
    }
}
