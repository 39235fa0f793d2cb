using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CustomerTrack.Cli.Logging;
using CustomerTrack.Contract;
using CustomerTrack.Pipeline;
using Microsoft.Extensions.Logging;

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
        Description = "table, csv or json",
        DefaultValueFactory = _ => "table",
    };

    static Common() => Format.AcceptOnlyFromAmong(Output.ResultPrinter.Formats);

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
        Pipeline.Workspace.Open(parse.GetValue(Workspace)!, create, flags ?? Flags(parse));

    /// <summary>Logs go to the workspace's log file, and to stderr when asked (or, for warnings, always).</summary>
    public static ILoggerFactory Logs(ParseResult parse, Workspace workspace, TimeProvider time, bool quiet = false) =>
        LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Information);
            b.AddProvider(new FileLoggerProvider(Path.Combine(workspace.Logs, "customertrack.log"), time));
            b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
            b.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>((_, level) =>
                level >= (parse.GetValue(Verbose) ? LogLevel.Information : quiet ? LogLevel.Error : LogLevel.Warning));
        });

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

    /// <summary>A customer id argument; the parser's own message would name a .NET type instead.</summary>
    public static long CustomerId(ArgumentResult result, string what)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }

        result.AddError($"{what} '{text}' is not a customer id; give a whole number like 42");
        return 0;
    }

    public static string SqlTimestamp(DateTime t) =>
        "TIMESTAMP '" + t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "'";
}
