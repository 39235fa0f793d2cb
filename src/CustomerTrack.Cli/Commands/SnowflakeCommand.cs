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
        var command = new Command("plan", "Print, per table and in deploy order, the idempotent SQL script that deploys it")
        {
            Table, Database, Schema, StageUrl, Integration, Serverless,
        };
        command.SetAction(parse =>
        {
            foreach (var plan in Plans(parse, out _))
            {
                parse.InvocationConfiguration.Output.Write(plan.Render());
            }

            return 0;
        });
        return command;
    }

    private static Command Deploy()
    {
        var command = new Command("deploy", "Run the plan on the account in Snowflake:Account through the SQL API (key-pair login)")
        {
            Table, Database, Schema, StageUrl, Integration, Serverless,
        };
        command.SetAction(async (parse, ct) =>
        {
            var plans = Plans(parse, out var settings);
            using var http = new HttpClient();
            var (client, jwt) = SnowflakeDeployer.Connect(settings.Snowflake, http, TimeProvider.System);
            using (jwt)
            {
                var output = parse.InvocationConfiguration.Output;
                var next = await new SnowflakeDeployer(client).DeployAsync(plans, line => output.WriteLine($"snowflake deploy: {line}"), ct);
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
        var command = new Command("status", "Show each table's pipe, stream and task on Snowflake (SYSTEM$PIPE_STATUS, SHOW STREAMS, TASK_HISTORY)")
        {
            Table, Database, Schema,
        };
        command.SetAction(async (parse, ct) =>
        {
            var plans = Plans(parse, out var settings);
            using var http = new HttpClient();
            var (client, jwt) = SnowflakeDeployer.Connect(settings.Snowflake, http, TimeProvider.System);
            using (jwt)
            {
                foreach (var line in await new SnowflakeDeployer(client).StatusAsync(plans, ct))
                {
                    parse.InvocationConfiguration.Output.WriteLine(line);
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>The plans of the tables asked for, from the workspace's settings (the workspace need not exist).</summary>
    private static List<SnowflakePlan> Plans(ParseResult parse, out Settings settings)
    {
        var flags = Common.Flags(parse);

        // Under 'snowflake', --warehouse names the Snowflake warehouse, not this machine's warehouse engine.
        var warehouse = flags.Remove("Warehouse:Engine", out var w) ? w : null;
        settings = SettingsLoader.Load(parse.GetValue(Common.Workspace)!, flags);
        var options = SnowflakePlanOptions.From(settings, parse.GetValue(Database), parse.GetValue(Schema), parse.GetValue(StageUrl),
            parse.GetValue(Integration), warehouse, parse.GetValue(Serverless));
        var tables = parse.GetValue(Table) is { } name ? [settings.Table(name)] : settings.Definitions;
        return tables.Select(t => new SnowflakePlan(t, options)).ToList();
    }
}
