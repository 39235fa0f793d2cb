using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CustomerTrack.Snowflake;

/// <summary>
/// What one table's objects look like, on an account or as a plan makes them: each table's columns, the file format's
/// options, the stage's URL and the pipe's COPY. Null: the object is not there (or, from a plan, was not made by it).
/// </summary>
internal sealed record SnowflakeState(
    IReadOnlyDictionary<string, IReadOnlyList<(string Name, string Type)>> Columns,
    IReadOnlyDictionary<string, string>? FormatOptions,
    string? StageUrl,
    string? PipeCopy);

/// <summary>One difference between a plan and what is deployed, what converges it, and what recreating costs.</summary>
internal sealed record Drift(string Object, string What, PlanStatement? Converge, bool NeedsRecreate = false);

/// <summary>
/// Deploying a changed definition onto objects that already exist. The plan's statements are IF NOT EXISTS (state is
/// never replaced), so on their own they leave a table without its new column, and the procedure that names it fails
/// every run; a new delimiter or OnError is never applied. This compares the plan with what is there (read from the
/// account, or given by the previous definition's plan) and gives the statements that converge: ALTER TABLE … ADD COLUMN
/// IF NOT EXISTS, ALTER FILE FORMAT … SET. A stage or pipe that differs cannot be altered in place: it is reported with
/// what recreating it costs, and recreated only when asked (<c>--recreate</c>).
/// </summary>
internal static partial class SnowflakeConvergence
{
    /// <summary>The state the plan makes.</summary>
    public static SnowflakeState Desired(SnowflakePlan plan)
    {
        var columns = new Dictionary<string, IReadOnlyList<(string, string)>>(StringComparer.Ordinal);
        foreach (var (table, list) in plan.TableColumns())
        {
            columns[table] = list;
        }

        return new SnowflakeState(columns, plan.FormatOptionValues(), plan.StageUrl, Flat(plan.PipeCopy()));
    }

    /// <summary>The differences from <paramref name="actual"/> to the plan, each with the statement that converges it if one can.</summary>
    public static IReadOnlyList<Drift> Differences(SnowflakePlan plan, SnowflakeState actual, bool recreate = false)
    {
        var desired = Desired(plan);
        var n = plan.Names;
        var drifts = new List<Drift>();
        foreach (var (table, columns) in desired.Columns)
        {
            if (!actual.Columns.TryGetValue(table, out var there))
            {
                // Not made yet: the plan's CREATE TABLE IF NOT EXISTS makes it whole.
                drifts.Add(new Drift(table, "is not there; the plan makes it", null));
                continue;
            }

            var names = there.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, type) in columns.Where(c => !names.Contains(c.Name)))
            {
                drifts.Add(new Drift(table, $"has no column {name} ({type})", new PlanStatement(PlanStep.Tables,
                    $"{table} lacks {name}: added (the procedure names it).",
                    $"ALTER TABLE {n.Qualify(table)} ADD COLUMN IF NOT EXISTS {SnowflakeNames.Quote(name)} {type}")));
            }

            // A column the definition dropped stays (with its values), as on our engines; it is named, not dropped.
            foreach (var (name, _) in there.Where(c => !columns.Any(d => d.Name.Equals(c.Name, StringComparison.OrdinalIgnoreCase))
                         && !plan.MayHaveColumn(table, c.Name)))
            {
                drifts.Add(new Drift(table, $"has column {name}, which the definition no longer names (kept; never dropped)", null));
            }
        }

        foreach (var (missing, what) in new[] { (actual.FormatOptions is null, "_format"), (actual.StageUrl is null, "_stage"), (actual.PipeCopy is null, "_pipe") })
        {
            if (missing)
            {
                drifts.Add(new Drift(n.ObjectName(what), "is not there; the plan makes it", null));
            }
        }

        if (actual.FormatOptions is { } options && desired.FormatOptions is { } wanted)
        {
            var changed = wanted.Where(o => !Same(o.Key, o.Value, options.GetValueOrDefault(o.Key))).ToList();
            if (changed.Any(o => o.Key == "TYPE"))
            {
                drifts.Add(new Drift(n.ObjectName("_format"), $"is TYPE {options.GetValueOrDefault("TYPE")}, the definition says {wanted["TYPE"]}: "
                    + "a file format's type cannot be altered; recreate it by hand (the stage and pipe name it), or keep the table's format", null, NeedsRecreate: true));
            }
            else if (changed.Count > 0)
            {
                drifts.Add(new Drift(n.ObjectName("_format"),
                    "differs in " + string.Join(", ", changed.Select(o => $"{o.Key} ({Shown(options.GetValueOrDefault(o.Key))} -> {Shown(wanted[o.Key])})")),
                    new PlanStatement(PlanStep.FileFormat, "The file format follows the definition (the pipe reads files with it from the next file on).",
                        $"ALTER FILE FORMAT {n.FileFormat} SET\n{string.Join("\n", changed.Select(o => $"  {o.Key} = {plan.FormatOptionSql(o.Key)}"))}")));
            }
        }

        if (actual.StageUrl is { } url && desired.StageUrl is { } wantedUrl && !url.Equals(wantedUrl, StringComparison.Ordinal))
        {
            drifts.Add(new Drift(n.ObjectName("_stage"),
                $"reads {url}, the definition says {wantedUrl}. Recreating the stage means recreating the pipe too (it names the stage), and a new pipe "
                + "has no load history: files already loaded under the new URL would load again if refreshed. Deploy with --recreate to do it",
                recreate ? new PlanStatement(PlanStep.Stage, "Recreated on request (--recreate): the stage's URL changed.", plan.StageSql(orReplace: true)) : null,
                NeedsRecreate: !recreate));
        }

        var pipeChanged = actual.PipeCopy is { } copy && desired.PipeCopy is { } wantedCopy && !copy.Equals(wantedCopy, StringComparison.OrdinalIgnoreCase);
        if (pipeChanged || (recreate && drifts.Any(d => d.Object == n.ObjectName("_stage"))))
        {
            drifts.Add(new Drift(n.ObjectName("_pipe"),
                (pipeChanged ? "its COPY differs from the definition's (ON_ERROR, the file format or the stage)" : "reads the stage being recreated, so it is recreated with it")
                + ". A pipe cannot be altered: recreating it resets its "
                + "load history (a file staged again, or an ALTER PIPE … REFRESH, loads again) and files that land while it is made wait for the next REFRESH. "
                + "Deploy with --recreate to do it",
                recreate ? new PlanStatement(PlanStep.Pipe, "Recreated on request (--recreate): its definition changed; its load history starts again.", plan.PipeSql(orReplace: true)) : null,
                NeedsRecreate: !recreate));
        }

        return drifts;
    }

    /// <summary>The plan with the converging statements in their places (each after its step's own statements).</summary>
    public static IReadOnlyList<PlanStatement> Converged(SnowflakePlan plan, IReadOnlyList<Drift> drifts)
    {
        var converge = drifts.Where(d => d.Converge is not null).Select(d => d.Converge!).ToList();
        var replaced = converge.Where(c => c.Step is PlanStep.Stage or PlanStep.Pipe).Select(c => c.Step).ToHashSet();
        return plan.Statements().Where(s => !(replaced.Contains(s.Step) && s.Sql.StartsWith("CREATE", StringComparison.Ordinal)))
            .Concat(converge).OrderBy(s => s.Step).ToList();
    }

    /// <summary>The state the account holds, from the answers to <see cref="Queries"/>.</summary>
    public static string Queries(SnowflakePlan plan)
    {
        var n = plan.Names;
        var tables = string.Join(", ", plan.TableColumns().Select(t => SnowflakeNames.Literal(t.Table)));
        return $"""
            SELECT "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE" FROM {n.Database}.INFORMATION_SCHEMA.COLUMNS
            WHERE "TABLE_SCHEMA" = {SnowflakeNames.Literal(n.SchemaName)} AND "TABLE_NAME" IN ({tables}) ORDER BY "TABLE_NAME", "ORDINAL_POSITION";
            SHOW FILE FORMATS LIKE {SnowflakeNames.Literal(n.ObjectName("_format"))} IN SCHEMA {n.Schema};
            SHOW STAGES LIKE {SnowflakeNames.Literal(n.ObjectName("_stage"))} IN SCHEMA {n.Schema};
            SHOW PIPES LIKE {SnowflakeNames.Literal(n.ObjectName("_pipe"))} IN SCHEMA {n.Schema}
            """;
    }

    /// <summary>
    /// Reads the answers of <see cref="Queries"/>. SHOW … LIKE treats _ as a wildcard, so rows are matched on their exact
    /// name. The file format's options come as JSON (format_options), the stage's URL as a one-element list.
    /// </summary>
    public static SnowflakeState Read(SnowflakePlan plan, IReadOnlyList<StatementResult> results)
    {
        var n = plan.Names;
        var columns = results[0].Rows.GroupBy(r => r[0] ?? "")
            .ToDictionary(g => g.Key, g => (IReadOnlyList<(string, string)>)g.Select(r => (r[1] ?? "", r[2] ?? "")).ToList(), StringComparer.Ordinal);
        string? Cell(StatementResult r, string name, string column)
        {
            var row = Enumerable.Range(0, r.Rows.Count).FirstOrDefault(i => r.Cell(i, "name") == name, -1);
            return row < 0 ? null : r.Cell(row, column);
        }

        Dictionary<string, string>? options = null;
        if (Cell(results[1], n.ObjectName("_format"), "format_options") is { } json && JsonNode.Parse(json) is JsonObject o)
        {
            options = o.ToDictionary(p => p.Key.ToUpperInvariant(), p => p.Value switch
            {
                null => "",
                JsonArray a => "(" + string.Join(", ", a.Select(x => x?.ToString() ?? "")) + ")",
                JsonValue v when v.TryGetValue<bool>(out var b) => b ? "TRUE" : "FALSE",
                var v => v.ToString(),
            }, StringComparer.Ordinal);
            var type = Cell(results[1], n.ObjectName("_format"), "type");
            if (type is not null)
            {
                options["TYPE"] = type;
            }
        }

        var stageUrl = Cell(results[2], n.ObjectName("_stage"), "url") is { } u ? u.Trim('[', ']', '"', ' ') : null;
        var pipe = Cell(results[3], n.ObjectName("_pipe"), "definition") is { } d ? Flat(d) : null;
        return new SnowflakeState(columns, options, stageUrl, pipe);
    }

    /// <summary>Whether an account's option value is the plan's (text compared as Snowflake stores it).</summary>
    private static bool Same(string key, string planned, string? there)
    {
        if (there is null)
        {
            return false;
        }

        var want = Unquote(planned);
        there = Unquote(there);
        return key is "FIELD_DELIMITER" or "FIELD_OPTIONALLY_ENCLOSED_BY"
            ? want == there
            : want.Equals(there, StringComparison.OrdinalIgnoreCase) || (want == "UTF8" && there.Equals("UTF-8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A SQL literal's text ('x' → x, '''' → '); other values as written.</summary>
    public static string Unquote(string value) => value.Length >= 2 && value[0] == '\'' && value[^1] == '\''
        ? value[1..^1].Replace("''", "'", StringComparison.Ordinal).Replace("\\x3B", ";", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal)
        : value;

    private static string Shown(string? value) => value is null ? "unset" : $"'{Unquote(value)}'";

    /// <summary>SQL text with its whitespace made single spaces, to compare what Snowflake stored with what the plan writes.</summary>
    public static string Flat(string sql) => Spaces().Replace(sql, " ").Trim().TrimEnd(';');

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
