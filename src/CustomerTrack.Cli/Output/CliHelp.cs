using System.CommandLine;
using System.CommandLine.Invocation;

namespace CustomerTrack.Cli.Output;

/// <summary>
/// Help as users type the program: named <c>customertrack</c> (the launcher's name, not the assembly's), with examples
/// under every command; and a mistyped command or option answered with System.CommandLine's own "did you mean".
/// </summary>
internal static class CliHelp
{
    public const string Name = "customertrack";

    /// <summary>Examples per command path ("run", "snowflake plan"); every command has some (a test holds it to that).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Examples = new Dictionary<string, string[]>
    {
        [""] = ["customertrack demo", "customertrack run --once", "customertrack history 42", "customertrack <command> --help"],
        ["demo"] = ["customertrack demo", "customertrack demo --for 60s --keys 10000"],
        ["run"] = ["customertrack run", "customertrack run --once --allow-rejects", "customertrack run --for 10m --quiet"],
        ["generate"] = ["customertrack generate --files 3", "customertrack generate --every 1s --for 1m --seed 7", "customertrack generate --table product --files 2"],
        ["init"] = ["customertrack init --from products.csv --table product --key sku --key region"],
        ["ingest"] = ["customertrack ingest --once"],
        ["load"] = ["customertrack load --once"],
        ["tasks"] = ["customertrack tasks --once"],
        ["reload"] = ["customertrack reload --table orders --failed", "customertrack reload orders.ndjson", "customertrack reload 2026/03/01/orders/orders_0123456789abcdef.ndjson --force"],
        ["status"] = ["customertrack status", "customertrack status --json", "customertrack status --files",
            "customertrack status --files --table orders --failed --since 1h --limit 20"],
        ["query"] = ["customertrack query \"SELECT count(*) FROM customer\"", "customertrack query \"SELECT * FROM customer LIMIT 5\" --format ndjson",
            "customertrack query \"SELECT * FROM customer LIMIT 5\" --format box",
            "echo \"SELECT * FROM load_history\" | customertrack query - --format csv"],
        ["history"] = ["customertrack history 42", "customertrack history --table product --key sku=A-1 --key region=EU --format json",
            "customertrack history --table orders --key order_id=A-1"],
        ["as-of"] = ["customertrack as-of 2026-03-01T10:00:00Z", "customertrack as-of '2026-03-01 10:00' --key 42", "customertrack as-of 2026-03-01T10:00:00Z --table orders --key order_id=A-1",
            "customertrack as-of 2026-03-01T10:00:00Z --known-at 2026-03-01T11:00:00Z"],
        ["changes"] = ["customertrack changes --from 2026-03-01T00:00:00Z --to 2026-03-02T00:00:00Z",
            "customertrack changes --table orders --from 2026-03-01 --to 2026-03-02 --key order_id=A-1 --format json"],
        ["provenance"] = ["customertrack provenance orders/mixed.ndjson", "customertrack provenance 2026/03/01/orders/mixed_0123456789abcdef.ndjson --format json",
            "customertrack provenance --table orders --key order_id=A-1"],
        ["check"] = ["customertrack check", "customertrack check --sample orders.ndjson --table orders"],
        ["export"] = ["customertrack export --table customer_history --to history.parquet",
            "customertrack export --table customer_history --as-of 2026-03-01T10:00:00Z --to march.csv"],
        ["rebuild"] = ["customertrack rebuild"],
        ["bench"] = ["customertrack bench --quick", "customertrack bench --json"],
        ["snowflake"] = ["customertrack snowflake plan", "customertrack snowflake deploy --warehouse ETL_WH", "customertrack snowflake status"],
        ["snowflake plan"] = ["customertrack snowflake plan --table customer --stage-url s3://my-bucket/lake/"],
        ["snowflake deploy"] = ["customertrack snowflake deploy --warehouse ETL_WH", "customertrack snowflake deploy --serverless"],
        ["snowflake status"] = ["customertrack snowflake status --table customer"],
    };

    /// <summary>The command and every command under it.</summary>
    public static IEnumerable<Command> All(Command command) => command.Subcommands.SelectMany(All).Prepend(command);

    /// <summary>The path users type after customertrack: "" for the root, "snowflake plan" for a subcommand.</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (var c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>
    /// System.CommandLine's help for <paramref name="command"/> as users type the program: the executable's name
    /// (CustomerTrack.Cli) written customertrack, and the command's examples after it.
    /// </summary>
    public static string Render(string help, Command command)
    {
        var text = help.Replace(RootCommand.ExecutableName, Name, StringComparison.Ordinal).TrimEnd() + Environment.NewLine;
        if (Examples.TryGetValue(PathOf(command), out var examples))
        {
            text += Environment.NewLine + "Examples:" + Environment.NewLine + string.Concat(examples.Select(e => "  " + e + Environment.NewLine));
        }

        return text;
    }

    /// <summary>
    /// System.CommandLine's typo suggestions for a parse that failed ("did you mean status?"), as one clause; empty when
    /// it has none.
    /// </summary>
    public static string Suggestions(ParseResult parse)
    {
        if (parse.Action is not ParseErrorAction action || parse.UnmatchedTokens.Count == 0)
        {
            return "";
        }

        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        using var text = new StringWriter();
        parse.Invoke(new InvocationConfiguration { Output = text, Error = text });
        var lines = text.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var errors = parse.Errors.Select(e => e.Message.Trim()).ToHashSet(StringComparer.Ordinal);
        var at = Array.FindIndex(lines, l => l.Contains("Did you mean", StringComparison.OrdinalIgnoreCase));
        if (at < 0)
        {
            return "";
        }

        var words = lines.Skip(at + 1).TakeWhile(l => !errors.Contains(l) && !l.Contains("was not matched", StringComparison.Ordinal)).ToArray();
        return words.Length == 0 ? "" : $"; did you mean {string.Join(" or ", words.Select(w => $"'{w}'"))}?";
    }
}
