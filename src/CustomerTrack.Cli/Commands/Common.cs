using System.CommandLine;
using System.Globalization;
using CustomerTrack.Contract;
using Microsoft.Extensions.Logging;
using Serilog;

namespace CustomerTrack.Cli.Commands;

/// <summary>Options every command shares, and the plumbing from parsed flags to a workspace and loggers.</summary>
internal static class Common
{
    public const string SettingsFileName = Configuration.SettingsLoader.FileName;

    public static readonly Option<string> Workspace = new("--workspace", "-w")
    {
        Description = "The workspace folder (landing/, lake/, warehouse.duckdb, logs/)",
        DefaultValueFactory = _ => "./ctdata",
        Recursive = true,
    };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override a setting: Section:Key=value (repeatable), after customertrack.json and CUSTOMERTRACK__ variables",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log every stage's work to stderr",
        Recursive = true,
    };

    public static readonly Option<string?> Lake = new("--lake")
    {
        Description = "The lake: a folder, or s3://bucket/prefix (the setting Lake:Uri)",
        Recursive = true,
    };

    public static readonly Option<string?> S3Endpoint = new("--s3-endpoint")
    {
        Description = "The endpoint of an S3-compatible store, e.g. http://127.0.0.1:9000 (the setting Lake:S3:ServiceUrl)",
        Recursive = true,
    };

    public static readonly Option<string?> Warehouse = new("--warehouse")
    {
        Description = "The warehouse engine: duckdb (a file in the workspace) or postgres (the setting Warehouse:Engine)",
        Recursive = true,
    };

    public static readonly Option<string?> Connection = new("--connection")
    {
        Description = "The PostgreSQL connection string, e.g. 'Host=db;Username=ct;Database=ct' (the setting Warehouse:ConnectionString)",
        Recursive = true,
    };

    public static readonly Option<bool> Once = new("--once") { Description = "Process everything present, then exit" };

    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print no progress and no summary (errors still go to stderr)" };

    public static readonly Option<bool> AllowRejects = new("--allow-rejects")
    {
        Description = "Exit 0 even when a file of this run failed or had rejected rows (otherwise the exit code is 3)",
    };

    public static readonly Option<string?> For = new("--for") { Description = "Stop after this long (500ms, 20s, 5m)" };

    public static readonly Option<string> Format = new("--format")
    {
        Description = "table, box, markdown, line (as the DuckDB shell's modes), csv, json (an array) or ndjson (one object a line)",
        DefaultValueFactory = _ => "table",
    };

    /// <summary>dbt's --select: the tables a command works on (repeatable); none given, every table.</summary>
    public static Option<string[]> Tables() => new("--table", "-t")
    {
        Description = "Only this table (repeatable); default: every table",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The tables <paramref name="option"/> names, spelled as defined; an unknown name is refused naming the tables there are.</summary>
    public static IReadOnlyList<string> ChosenTables(ParseResult parse, Option<string[]> option, Workspace ws) =>
        (parse.GetValue(option) ?? []).Select(n => ws.Settings.Table(n).Name).Distinct().ToList();

    static Common()
    {
        Format.AcceptOnlyFromAmong(Output.ResultPrinter.Formats);
        LogFormat.AcceptOnlyFromAmong("text", "json");
    }

    /// <summary>Flags that name a setting directly, mapped to their configuration keys.</summary>
    public static Dictionary<string, string?> Flags(ParseResult parse, IEnumerable<(Option<string?> Option, string Key)>? direct = null)
    {
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in parse.GetValue(Set) ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--set '{item}' is not Section:Key=value");
            }

            flags[item[..eq].Trim()] = item[(eq + 1)..].Trim();
        }

        foreach (var (option, key) in (direct ?? []).Append((Lake, "Lake:Uri")).Append((S3Endpoint, "Lake:S3:ServiceUrl"))
                     .Append((Warehouse, "Warehouse:Engine")).Append((Connection, "Warehouse:ConnectionString")))
        {
            if (parse.GetValue(option) is { } value)
            {
                flags[key] = value;
            }
        }

        return flags;
    }

    public static Workspace OpenWorkspace(ParseResult parse, bool create, Dictionary<string, string?>? flags = null) =>
        CustomerTrack.Workspace.Open(parse.GetValue(Workspace)!, create, flags ?? Flags(parse));

    public static readonly Option<string> LogFormat = new("--log-format")
    {
        Description = "text, or json: one JSON object per line (the log file and stderr)",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    /// <summary>The log file rotates at this size, keeping this many files (customertrack.log, customertrack_001.log, ...).</summary>
    private const long LogFileBytes = 10L << 20;

    private const int LogFilesKept = 5;

    /// <summary>
    /// Logs go to the workspace's rotating log file (Serilog; shared by the processes of a workspace), and to stderr when
    /// asked (or, for warnings, always); <c>--log-format json</c> writes both as one JSON object per line.
    /// </summary>
    public static ILoggerFactory Logs(ParseResult parse, Workspace workspace, TimeProvider time, bool quiet = false)
    {
        _ = time;
        var json = parse.GetValue(LogFormat) == "json";
        var file = new Serilog.LoggerConfiguration()
            .MinimumLevel.Information()
            .Enrich.WithProperty("Pid", Environment.ProcessId);
        var path = Path.Combine(workspace.Logs, "customertrack.log");
        file = json
            ? file.WriteTo.File(new Serilog.Formatting.Json.JsonFormatter(renderMessage: true), path,
                fileSizeLimitBytes: LogFileBytes, rollOnFileSizeLimit: true, retainedFileCountLimit: LogFilesKept, shared: true)
            : file.WriteTo.File(path, outputTemplate: "{UtcTimestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u4} [{Pid}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                formatProvider: CultureInfo.InvariantCulture,
                fileSizeLimitBytes: LogFileBytes, rollOnFileSizeLimit: true, retainedFileCountLimit: LogFilesKept, shared: true);
        var serilog = file.CreateLogger();
        return LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Information);
            b.AddSerilog(serilog, dispose: true);
            if (json)
            {
                b.AddJsonConsole(o =>
                {
                    o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                    o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                    o.UseUtcTimestamp = true;
                });
            }
            else
            {
                b.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                    o.UseUtcTimestamp = true;
                });
            }

            b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            b.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>((_, level) =>
                level >= (parse.GetValue(Verbose) ? LogLevel.Information : quiet ? LogLevel.Error : LogLevel.Warning));
        });
    }

    public static TimeSpan? Duration(ParseResult parse, Option<string?> option)
    {
        try
        {
            return parse.GetValue(option) is { } text ? Configuration.Duration.Parse(text, option.Name) : null;
        }
        catch (CustomerTrackException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static DateTime Timestamp(string text, string what) =>
        EventTime.TryParse(text, out var t)
            ? t
            : throw new UsageException($"{what} '{text}' is not an ISO 8601 timestamp; write it like 2026-11-27T10:15:00Z or '2026-11-27 10:15:00'");
}
