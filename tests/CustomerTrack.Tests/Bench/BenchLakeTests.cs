using CustomerTrack.Bench;
using CustomerTrack.Lake.S3;

namespace CustomerTrack.Tests.Bench;

/// <summary>
/// The server bench writes its lake objects beside the configured lake, never inside it: a later <c>run</c> on that lake
/// lists every key under its prefix and would load the bench's millions of rows into the user's warehouse.
/// </summary>
public sealed class BenchLakeTests
{
    [Theory]
    [InlineData("s3://bucket/lake", "s3://bucket/lake-ctbench-7")]
    [InlineData("s3://bucket/lake/", "s3://bucket/lake-ctbench-7")]
    [InlineData("s3://bucket/team/lake", "s3://bucket/team/lake-ctbench-7")]
    public void The_bench_lake_lies_beside_the_configured_lake(string lake, string expected)
    {
        var beside = BenchRunner.LakeBeside(lake, "7");

        Assert.Equal(expected, beside);
        var (bucket, prefix) = S3Lake.Parse(lake);
        var (benchBucket, benchPrefix) = S3Lake.Parse(beside + "/pipeline_1w");
        Assert.Equal(bucket, benchBucket);
        Assert.False(benchPrefix.StartsWith(prefix, StringComparison.Ordinal), $"{benchPrefix} is listed with the lake {prefix}");
    }

    [Fact]
    public void A_lake_at_a_bucket_root_is_refused_because_it_has_no_beside()
    {
        var e = Assert.Throws<SettingsException>(() => BenchRunner.LakeBeside("s3://bucket", "7"));
        Assert.Contains("Lake:Uri", e.Message, StringComparison.Ordinal);
    }
}
