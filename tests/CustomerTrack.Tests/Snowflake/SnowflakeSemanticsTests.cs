using System.Diagnostics;
using CsCheck;
using CustomerTrack.Configuration;
using CustomerTrack.Snowflake;
using CustomerTrack.Tables;
using CustomerTrack.Tests.Scd;
using Xunit.Abstractions;
using ModelOptions = CustomerTrack.Tests.Scd.ScdOptions;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// The generated procedure's SCD statements, run on DuckDB, give the tables our engine gives: on random feeds (the
/// property tests' feeds, through the real pipeline for the ledger and the engine's tables) under every option, and on
/// every example of docs/semantics.md. This proves the statements' semantics, not that Snowflake accepts them.
/// </summary>
public sealed class SnowflakeSemanticsTests(ITestOutputHelper output)
{
    /// <summary>Feeds per option combination: each goes through the real pipeline too (for its ledger and the engine's tables).</summary>
    private const int Feeds = 8;

    private static readonly DateTime ScanBase = new(2031, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    internal static SnowflakePlan CustomerPlan(ModelOptions options) =>
        new(TableDefinition.Customer(new CustomerTrack.Tables.ScdOptions(options.TrackHistoryExcept, options.IgnoreNullUpdates,
                TableDefinitions.ParseDeleteMode("Scd:DeleteMode", options.DeleteMode))),
            SnowflakePlanOptions.From(new Settings(), SnowflakeOnDuckDb.Database, SnowflakeOnDuckDb.Schema, "s3://bucket/ct"));

    /// <summary>A ledger row as the procedure's typed batch holds it; load order (scan time, file, row) follows _seq.</summary>
    internal static object?[] Typed(LedgerRow r) =>
        [long.Parse(r.Key[0], System.Globalization.CultureInfo.InvariantCulture), r.UpdatedAt, r.IsDelete, .. r.Attributes, ScanBase.AddSeconds(r.Seq), "f", r.Seq];

    public static TheoryData<string, bool, string> Options()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var except in new[] { "", "email,city" })
        {
            foreach (var ignoreNulls in new[] { false, true })
            {
                foreach (var mode in new[] { "close", "tombstone-row" })
                {
                    data.Add(except, ignoreNulls, mode);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task Random_feeds_give_the_engine_tables_under_every_option(string trackHistoryExcept, bool ignoreNullUpdates, string deleteMode)
    {
        var options = new ModelOptions(trackHistoryExcept.Split(',', StringSplitOptions.RemoveEmptyEntries), ignoreNullUpdates, deleteMode);
        var feeds = 0;
        var watch = Stopwatch.StartNew();
        await FeedGen.Plan(FeedTable.Customer).SampleAsync(async plan =>
        {
            using var snowflake = new SnowflakeOnDuckDb(CustomerPlan(options));
            await using var run = await ScdRun.StartAsync(options, FeedGen.EventBase, FeedGen.DrainStep, plan.MaxBatchRows);
            var applied = 0;
            async Task DrainAsync()
            {
                await run.DrainAsync();
                snowflake.Apply(run.Ledger.Skip(applied).Select(Typed));
                applied = run.Ledger.Count;
            }

            for (var i = 0; i < plan.Files.Count; i++)
            {
                run.Land(plan.Files[i]);
                if (plan.DrainAfter[i])
                {
                    await DrainAsync();
                }
            }

            await DrainAsync();
            var engine = run.Tables();
            var model = ScdModel.Apply(run.Ledger, options, FeedTable.Customer);
            FeedCheck.Same("customer (engine vs model)", model.Customer, engine.Customer);
            FeedCheck.Same("customer_history (engine vs model)", model.History, engine.History);
            var names = CustomerPlan(options).Names;
            FeedCheck.Same("CUSTOMER (Snowflake procedure on DuckDB)", engine.Customer,
                snowflake.Rows($"SELECT {ScdModel.CustomerColumns} FROM {names.Current} ORDER BY customer_id"), "engine");
            FeedCheck.Same("CUSTOMER_HISTORY (Snowflake procedure on DuckDB)", engine.History,
                snowflake.Rows($"SELECT {ScdModel.HistoryColumns} FROM {names.History} ORDER BY customer_id, start_time"), "engine");
            Interlocked.Increment(ref feeds);
        }, writeLine: output.WriteLine, iter: Feeds, threads: 1, print: plan => $"{options}\n{plan}");
        output.WriteLine($"{options}: {feeds} feeds in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(feeds >= Feeds);
    }
}
