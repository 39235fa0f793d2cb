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
    public static (SqlApiClient Client, SnowflakeJwt Jwt) Connect(SnowflakeSettings settings, HttpClient http, TimeProvider time, SqlApiOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(settings.Account))
        {
            throw new SettingsException("Snowflake:Account", "is empty; set it to the account as in its URL, e.g. myorg-myaccount");
        }

        var jwt = SnowflakeJwt.FromFile(settings.Account, settings.User, settings.PrivateKeyPath, time);
        var url = string.IsNullOrWhiteSpace(settings.Url) ? SqlApiClient.AccountUrl(settings.Account) : new Uri(settings.Url);
        var session = new SnowflakeSession(Blank(settings.Role), Blank(settings.Warehouse), null, null);
        return (new SqlApiClient(http, url, jwt, session, time, options), jwt);
    }

    private static string? Blank(string s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>Deploys each plan; returns, per table, what the user must still do by hand (trust policy, S3 notification).</summary>
    public async Task<IReadOnlyList<string>> DeployAsync(IReadOnlyList<SnowflakePlan> plans, Action<string> progress, CancellationToken ct)
    {
        foreach (var plan in plans)
        {
            var script = plan.Render();
            if (script.Contains(SnowflakePlanOptions.Placeholder, StringComparison.Ordinal))
            {
                var missing = script[script.IndexOf(SnowflakePlanOptions.Placeholder, StringComparison.Ordinal)..].Split('>')[0];
                throw new CustomerTrackException($"table {plan.Table.Name}: the plan still has a value to fill in ({missing}>); set it, then deploy");
            }
        }

        var next = new List<string>();
        foreach (var plan in plans)
        {
            var results = await client.ExecuteAsync(plan.Render(), ct);
            progress($"{plan.Table.Name}: {results.Count} statements applied");

            var n = plan.Names;
            var after = await client.ExecuteAsync(
                $"SHOW PIPES LIKE '{(plan.Table.Name + "_pipe").ToUpperInvariant()}' IN SCHEMA {n.Schema}", ct);
            var channel = after.Count > 0 ? after[0].Cell(0, "notification_channel") : null;
            next.Add($"{plan.Table.Name}: point the S3 event notification for {plan.Table.Name}/ at {channel ?? "(SHOW PIPES shows no notification_channel yet)"}");
        }

        return next;
    }

    /// <summary>Per table: the pipe's state and backlog, whether the stream is stale, the task's state and its latest runs.</summary>
    public async Task<IReadOnlyList<string>> StatusAsync(IReadOnlyList<SnowflakePlan> plans, CancellationToken ct)
    {
        var lines = new List<string>();
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
        }

        return lines;
    }
}
