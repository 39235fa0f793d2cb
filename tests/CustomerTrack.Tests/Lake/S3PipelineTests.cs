using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Lake;

/// <summary>The whole pipeline with the lake in S3 (a real S3-protocol server on loopback) and DuckDB as the warehouse.</summary>
public sealed class S3PipelineTests
{
    [Fact]
    public async Task Files_flow_through_an_s3_lake_to_the_same_tables_as_through_a_folder_and_each_loads_once()
    {
        using var source = new TempWorkspace();
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "-w", source.Dir, "--files", "8", "--rows-per-file", "300",
            "--keys", "500", "--seed", "21", "--start", "2026-11-03T00:00:00Z")).Code);
        using var folder = new TempWorkspace();
        using var s3 = new TempWorkspace();
        foreach (var ws in new[] { folder, s3 })
        {
            ws.LandCopies(Directory.GetFiles(source.Landing, "*.csv"));
        }

        var lake = $"s3://{TestServers.S3Bucket}/pipeline-{Guid.NewGuid():N}";
        string[] s3Flags = ["--lake", lake, "--s3-endpoint", TestServers.S3Endpoint, "--set", "Lake:S3:UseChunkEncoding=false"];
        Assert.Equal(0, (await CliRunner.RunAsync("run", "--once", "-w", folder.Dir)).Code);

        // Ingest and load as separate commands: the S3 lake is the only hand-off between them.
        var ingest = await CliRunner.RunAsync(["ingest", "--once", "-w", s3.Dir, .. s3Flags]);
        Assert.True(ingest.Code == 0, ingest.ToString());
        Assert.Empty(Directory.GetFiles(s3.Landing, "*.csv"));
        Assert.False(Directory.Exists(Path.Combine(s3.Dir, "lake")), "nothing goes to a lake folder");
        var load = await CliRunner.RunAsync(["run", "--once", "-w", s3.Dir, .. s3Flags]);
        Assert.True(load.Code == 0, load.ToString());
        Assert.Contains("8 processed", load.Out, StringComparison.Ordinal);

        var status = await CliRunner.RunAsync(["status", "-w", s3.Dir, .. s3Flags]);
        Assert.Contains("lake         8 object(s), 0 not yet loaded", status.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("S3RVER", status.Out + status.Err, StringComparison.Ordinal);

        var again = await CliRunner.RunAsync(["run", "--once", "-w", s3.Dir, .. s3Flags]);
        Assert.Contains("0 processed", again.Out, StringComparison.Ordinal);
        Assert.Equal(Db.Query(folder.Open(), Db.TablesFingerprint).Scalar, Db.Query(s3.Open(), Db.TablesFingerprint).Scalar);
        Assert.Equal(8 * 300, Db.Count(s3.Open(), "SELECT count(*) FROM customer_raw"));
        Assert.Empty(Directory.GetFiles(Path.Combine(s3.Dir, "tmp")));
    }
}
