using System.CommandLine;
using CustomerTrack.Configuration;
using CustomerTrack.Snowflake;

namespace CustomerTrack.Cli.Commands;

/// <summary>snowflake plan | deploy | status: the same tables, deployed on Snowflake (docs/snowflake.md).</summary>
internal static class SnowflakeCommand
{
    private static readonly Option<string?> Table = new("--table") { Description = "Only this table (default: every table defined)" };
    private static readonly Option<string?> Database = new("--database") { Description = "The Snowflake database (Snowflake:Database)" };
    private static readonly Option<string?> Schema = new("--schema") { Description = "The Snowflake schema (Snowflake:Schema)" };
    private static readonly Option<string?> StageUrl = new("--stage-url") { Description = "Where producers drop files: s3://bucket/prefix (Snowflake:StageUrl)" };
    private static readonly Option<string?> Integration = new("--storage-integration") { Description = "The storage integration's name (Snowflake:StorageIntegration)" };
    private static readonly Option<bool> Serverless = new("--serverless") { Description = "Run the tasks serverless, even if Snowflake:Warehouse is set" };
    private static readonly Option<string?> FromSettings = new("--from-settings")
    {
        Description = "The previous settings file (customertrack.json as last deployed): print the statements that converge from it",
    };

    private static readonly Option<bool> Recreate = new("--recreate")
    {
        Description = "Recreate a stage or pipe whose definition changed (a new pipe forgets which files it loaded); without it they are reported and left",
    };

    /// <summary>Exit code of 'snowflake status' when the account differs from the definitions.</summary>
    public const int DriftExitCode = 3;

    public static Command Create()
    {
        var command = new Command("snowflake", "Deploy the same pipeline on Snowflake (--warehouse W here names the Snowflake warehouse the tasks run on)");
        command.Subcommands.Add(Plan());
        command.Subcommands.Add(Deploy());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Command Plan()
    {
        var command = new Command("plan", "Print, per table and in deploy order, the SQL script that deploys it (--warehouse W: the Snowflake warehouse the tasks run on, not the local engine)")
        {
            Table, Database, Schema, StageUrl, Integration, Serverless, FromSettings,
        };
        command.SetAction(parse =>
        {
            var plans = Plans(parse, out _);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(FromSettings);
            var old = path is null ? null : OldPlans(parse, path);
            foreach (var plan in plans)
            {
                if (old is null)
                {
                    output.Write(plan.Render());
                    continue;
                }

                // From the previous definition's plan: what it made is what the account holds, as far as a plan can say.
                var before = old.FirstOrDefault(p => p.Table.Name == plan.Table.Name);
                var drifts = before is null ? [] : SnowflakeConvergence.Differences(plan, SnowflakeConvergence.Desired(before));
                output.Write(plan.Render(SnowflakeConvergence.Converged(plan, drifts)));
                error.WriteLine(before is null
                    ? $"snowflake plan: {plan.Table.Name} is new in these settings; its plan makes everything"
                    : $"snowflake plan: {plan.Table.Name}: {drifts.Count} difference(s) from {path}; what the account holds beyond that plan (columns files added, changes by hand) is not known here: 'snowflake status' reads it");
                foreach (var d in drifts)
                {
                    error.WriteLine($"snowflake plan: {plan.Table.Name}: {d.Object} {d.What}");
                }
            }

            foreach (var missing in plans.SelectMany(p => SnowflakeDeployer.Placeholders(p.Render())).Distinct())
            {
                error.WriteLine($"snowflake plan: not set: {missing}; the plan holds a placeholder, and deploy refuses it until it is set");
            }

            foreach (var warning in plans.SelectMany(p => p.Warnings()))
            {
                error.WriteLine($"snowflake plan: warning: {warning}");
            }

            return 0;
        });
        return command;
    }

    private static Command Deploy()
    {
        var command = new Command("deploy", "Run the plan on the account in Snowflake:Account through the SQL API (key-pair login), converged onto what is there (--warehouse W: the Snowflake warehouse)")
        {
            Table, Database, Schema, StageUrl, Integration, Serverless, Recreate,
        };
        command.SetAction(async (parse, ct) =>
        {
            var plans = Plans(parse, out var settings, out var warehouse);
            SnowflakeDeployer.RefusePlaceholders(plans);
            using var http = new HttpClient();
            var (client, jwt) = SnowflakeDeployer.Connect(settings.Snowflake, http, TimeProvider.System, sessionWarehouse: warehouse);
            using (jwt)
            {
                var output = parse.InvocationConfiguration.Output;
                if (client.Warehouse is null)
                {
                    parse.InvocationConfiguration.Error.WriteLine(
                        "snowflake deploy: no warehouse for the SQL API session (Snowflake:Warehouse or --warehouse); Snowflake uses the user's DEFAULT_WAREHOUSE, and a multi-statement request fails without one");
                }

                foreach (var warning in plans.SelectMany(p => p.Warnings()))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"snowflake deploy: warning: {warning}");
                }

                var next = await new SnowflakeDeployer(client).DeployAsync(plans, line => output.WriteLine($"snowflake deploy: {line}"), ct, parse.GetValue(Recreate));
                output.WriteLine("snowflake deploy: done. Still to do by hand (docs/snowflake.md):");
                output.WriteLine($"  DESC INTEGRATION {plans[0].Integration}; put STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID in the AWS role's trust policy");
                foreach (var line in next)
                {
                    output.WriteLine($"  {line}");
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", $"Show each table's pipe, stream and task on Snowflake (SYSTEM$PIPE_STATUS, SHOW STREAMS, TASK_HISTORY) and every difference from the definitions (drift: exit code {DriftExitCode})")
        {
            Table, Database, Schema,
        };
        command.SetAction(async (parse, ct) =>
        {
            var plans = Plans(parse, out var settings, out var warehouse);
            using var http = new HttpClient();
            var (client, jwt) = SnowflakeDeployer.Connect(settings.Snowflake, http, TimeProvider.System, sessionWarehouse: warehouse);
            using (jwt)
            {
                var (lines, drift) = await new SnowflakeDeployer(client).StatusAsync(plans, ct);
                foreach (var line in lines)
                {
                    parse.InvocationConfiguration.Output.WriteLine(line);
                }

                return drift ? DriftExitCode : 0;
            }
        });
        return command;
    }

    /// <summary>The plans of the tables asked for, from the workspace's settings (the workspace need not exist).</summary>
    private static List<SnowflakePlan> Plans(ParseResult parse, out Settings settings) => Plans(parse, out settings, out _);

    private static List<SnowflakePlan> Plans(ParseResult parse, out Settings settings, out string? warehouse) =>
        Plans(parse, parse.GetValue(Common.Workspace)!, out settings, out warehouse);

    /// <summary>The plans of the previous settings file, with the same flags (for plan --from-settings).</summary>
    private static List<SnowflakePlan> OldPlans(ParseResult parse, string path)
    {
        if (!File.Exists(path))
        {
            throw new CustomerTrackException($"--from-settings {path}: no such file; give the settings file the account was last deployed from");
        }

        var dir = Directory.CreateTempSubdirectory("ct-from-settings-");
        try
        {
            File.Copy(path, Path.Combine(dir.FullName, SettingsLoader.FileName));
            return Plans(parse, dir.FullName, out _, out _);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static List<SnowflakePlan> Plans(ParseResult parse, string workspace, out Settings settings, out string? warehouse)
    {
        var flags = Common.Flags(parse);

        // Under 'snowflake', --warehouse names the Snowflake warehouse, not this machine's warehouse engine.
        warehouse = flags.Remove("Warehouse:Engine", out var w) ? w : null;
        settings = SettingsLoader.Load(workspace, flags);
        var options = SnowflakePlanOptions.From(settings, parse.GetValue(Database), parse.GetValue(Schema), parse.GetValue(StageUrl),
            parse.GetValue(Integration), warehouse, parse.GetValue(Serverless));
        SnowflakeNames.CheckDistinct(settings.Definitions);
        var tables = parse.GetValue(Table) is { } name ? [settings.Table(name)] : settings.Definitions;
        return tables.Select(t => new SnowflakePlan(t, options)).ToList();
    }
}
