using System.Text.Json.Nodes;
using CustomerTrack.Configuration;

namespace CustomerTrack.Snowflake;

/// <summary>
/// Runs plans through the SQL API (<c>snowflake deploy</c>) and reads how the deployed objects are doing
/// (<c>snowflake status</c>). Each table's plan goes as one multi-statement request, in deploy order.
/// </summary>
internal sealed class SnowflakeDeployer(SqlApiClient client)
{
    /// <summary>The client for the account in <paramref name="settings"/>; the key is read from its file and never shown.</summary>
    /// <remarks>
    /// The session's warehouse is <paramref name="sessionWarehouse"/> (deploy's --warehouse) or Snowflake:Warehouse: the
    /// SQL API runs a multi-statement request only with one, and without it Snowflake falls back to the user's default.
    /// </remarks>
    public static (SqlApiClient Client, SnowflakeJwt Jwt) Connect(SnowflakeSettings settings, HttpClient http, TimeProvider time, SqlApiOptions? options = null,
        string? sessionWarehouse = null)
    {
        if (string.IsNullOrWhiteSpace(settings.Account))
        {
            throw new SettingsException("Snowflake:Account", "is empty; set it to the account as in its URL, e.g. myorg-myaccount");
        }

        var jwt = SnowflakeJwt.FromFile(settings.Account, settings.User, settings.PrivateKeyPath, time);
        var url = string.IsNullOrWhiteSpace(settings.Url) ? SqlApiClient.AccountUrl(settings.Account) : new Uri(settings.Url);
        var session = new SnowflakeSession(Blank(settings.Role), Blank(sessionWarehouse ?? "") ?? Blank(settings.Warehouse), null, null);
        return (new SqlApiClient(http, url, jwt, session, time, options), jwt);
    }

    private static string? Blank(string s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>Refuses plans that still hold a value to fill in, naming every setting that is missing.</summary>
    public static void RefusePlaceholders(IReadOnlyList<SnowflakePlan> plans)
    {
        var missing = plans.SelectMany(p => Placeholders(p.Render())).Distinct().ToList();
        if (missing.Count > 0)
        {
            throw new CustomerTrackException($"the plan still has values to fill in ({string.Join("; ", missing)}); set them, then deploy");
        }
    }

    /// <summary>Each <c>&lt;set …&gt;</c> placeholder of a script (what it asks for).</summary>
    public static IEnumerable<string> Placeholders(string script)
    {
        for (var i = script.IndexOf(SnowflakePlanOptions.Placeholder, StringComparison.Ordinal); i >= 0;
             i = script.IndexOf(SnowflakePlanOptions.Placeholder, i + 1, StringComparison.Ordinal))
        {
            var end = script.IndexOf('>', i + SnowflakePlanOptions.Placeholder.Length);
            yield return script[(i + 1)..(end < 0 ? script.Length : end)].Replace("set ", "", StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Deploys each plan, converged onto what the account holds (<see cref="SnowflakeConvergence"/>): the account is read
    /// first, so a second deploy adds new columns and alters the file format, and a stage or pipe that differs is
    /// recreated only when <paramref name="recreate"/>. The storage integration's CREATE is left out when the integration
    /// already exists: IF NOT EXISTS may still need the account-level CREATE INTEGRATION privilege, which a deploying role
    /// with USAGE on an integration made once by an administrator lacks. Returns what the user must still do by hand.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeployAsync(IReadOnlyList<SnowflakePlan> plans, Action<string> progress, CancellationToken ct, bool recreate = false)
    {
        RefusePlaceholders(plans);
        var integrationExists = await IntegrationExistsAsync(plans[0], ct);
        if (integrationExists)
        {
            progress($"storage integration {plans[0].Integration} exists: its CREATE is skipped (the deploying role needs only USAGE on it)");
        }

        var next = new List<string>();
        foreach (var plan in plans)
        {
            var drifts = await DriftAsync(plan, recreate, ct) ?? [];
            foreach (var d in drifts)
            {
                progress($"{plan.Table.Name}: {d.Object} {d.What}{(d.Converge is null ? d.NeedsRecreate ? " (left as it is)" : "" : " (converged)")}");
            }

            var statements = SnowflakeConvergence.Converged(plan, drifts)
                .Where(s => !(integrationExists && s.Step == PlanStep.Integration));
            var results = await client.ExecuteAsync(plan.Render(statements), ct);
            progress($"{plan.Table.Name}: {results.Count} statements applied");

            var n = plan.Names;
            var after = await client.ExecuteAsync($"SHOW PIPES LIKE '{n.ObjectName("_pipe")}' IN SCHEMA {n.Schema}", ct);
            var channel = after.Count > 0 ? after[0].Cell(0, "notification_channel") : null;
            next.Add($"{plan.Table.Name}: point the S3 event notification for {plan.Table.Name}/ at {channel ?? "(SHOW PIPES shows no notification_channel yet)"}");
        }

        return next;
    }

    private async Task<bool> IntegrationExistsAsync(SnowflakePlan plan, CancellationToken ct)
    {
        var name = plan.Integration.Trim('"');
        var shown = await client.ExecuteAsync($"SHOW INTEGRATIONS LIKE {SnowflakeNames.Literal(name)}", ct);
        return shown.Count > 0 && Enumerable.Range(0, shown[0].Rows.Count).Any(i => shown[0].Cell(i, "name") == name);
    }

    /// <summary>
    /// The differences between the plan and the account, read through the SQL API: none when the schema is not there
    /// yet (a first deploy). SHOW … LIKE matches _ as any character, so rows are matched by their exact names.
    /// </summary>
    public async Task<IReadOnlyList<Drift>?> DriftAsync(SnowflakePlan plan, bool recreate, CancellationToken ct)
    {
        var n = plan.Names;
        var schemas = await client.ExecuteAsync($"SHOW SCHEMAS LIKE {SnowflakeNames.Literal(n.SchemaName)} IN ACCOUNT", ct);
        var database = n.Database.Trim('"');
        if (schemas.Count == 0 || !Enumerable.Range(0, schemas[0].Rows.Count)
                .Any(i => schemas[0].Cell(i, "name") == n.SchemaName && schemas[0].Cell(i, "database_name") == database))
        {
            return null;
        }

        var state = SnowflakeConvergence.Read(plan, await client.ExecuteAsync(SnowflakeConvergence.Queries(plan), ct));
        return SnowflakeConvergence.Differences(plan, state, recreate);
    }

    /// <summary>
    /// Per table: the pipe's state and backlog, whether the stream is stale, the task's state and its latest runs, then
    /// every difference between the definition and the account (drift), one line each. Drift is true when there is one.
    /// </summary>
    public async Task<(IReadOnlyList<string> Lines, bool Drift)> StatusAsync(IReadOnlyList<SnowflakePlan> plans, CancellationToken ct)
    {
        var lines = new List<string>();
        var drift = false;
        foreach (var plan in plans)
        {
            var n = plan.Names;
            var name = plan.Table.Name.ToUpperInvariant();
            var results = await client.ExecuteAsync($"""
                SELECT SYSTEM$PIPE_STATUS('{n.Text("_pipe")}') AS "PIPE_STATUS";
                SHOW STREAMS LIKE '{name}_RAW_STREAM' IN SCHEMA {n.Schema};
                SHOW TASKS LIKE '{name}_TASK' IN SCHEMA {n.Schema};
                SELECT "STATE", "SCHEDULED_TIME", "ERROR_MESSAGE"
                FROM TABLE({n.Database}.INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '{name}_TASK', RESULT_LIMIT => 5))
                ORDER BY "SCHEDULED_TIME" DESC
                """, ct);
            var pipe = JsonNode.Parse(results[0].Cell(0, "PIPE_STATUS") ?? "{}");
            var stale = results[1].Cell(0, "stale");
            var staleAfter = results[1].Cell(0, "stale_after");
            var task = results[2].Cell(0, "state");
            var runs = results[3].Rows.Select(r => r[2] is { Length: > 0 } error ? $"{r[0]} {r[1]} ({error})" : $"{r[0]} {r[1]}");
            lines.Add($"{plan.Table.Name}: pipe {pipe?["executionState"] ?? "?"}, {pipe?["pendingFileCount"] ?? "?"} file(s) pending; "
                + $"stream {(stale == "true" ? "STALE (recreate it and rebuild)" : "fresh")}, stale after {staleAfter ?? "?"}; "
                + $"task {task ?? "missing"}; last runs: {string.Join(", ", runs.DefaultIfEmpty("none"))}");

            var drifts = await DriftAsync(plan, recreate: false, ct);
            if (drifts is null)
            {
                lines.Add($"{plan.Table.Name}: drift: schema {n.Schema} is not there; nothing is deployed ('snowflake deploy' makes it)");
                drift = true;
                continue;
            }

            foreach (var d in drifts)
            {
                lines.Add($"{plan.Table.Name}: drift: {d.Object} {d.What}{(d.Converge is null ? "" : "; 'snowflake deploy' converges it")}");
                drift = true;
            }
        }

        return (lines, drift);
    }
}
