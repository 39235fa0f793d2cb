using System.Text;
using CustomerTrack.Configuration;
using CustomerTrack.Lake;
using CustomerTrack.Lake.S3;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Lake;

/// <summary>The S3 lake against a real S3-protocol server on loopback (s3rver, started by ./test.sh).</summary>
public sealed class S3LakeTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);
    private readonly TempWorkspace _tmp = new();
    private readonly FakeTimeProvider _time = new(Now);
    private readonly string _uri = $"s3://{TestServers.S3Bucket}/test-{Guid.NewGuid():N}";

    private S3Lake Open(string? endpoint = null) => new(_uri,
        new S3Settings { ServiceUrl = endpoint ?? TestServers.S3Endpoint, UseChunkEncoding = false },
        Path.Combine(_tmp.Dir, "downloads"), _time);

    private string LocalFile(string content)
    {
        var path = Path.Combine(_tmp.Dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public async Task An_object_put_is_listed_and_copied_back_byte_for_byte_with_its_landing_time()
    {
        using var lake = Open();
        const string Content = "customer_id,first_name,city\n1,Zoë,\"Oslo, \"\"Sentrum\"\"\"\n2,Åsa,Malmö\n";
        var key = LakeKey.For(Now, "a.csv", new string('a', 64));
        var landed = Now.AddSeconds(-3);
        await lake.PutAsync(key, LocalFile(Content), landed, CancellationToken.None);

        var entry = Assert.Single(await lake.ListAsync(CancellationToken.None));
        Assert.Equal(key, entry.Key);
        Assert.Equal(Encoding.UTF8.GetByteCount(Content), entry.Bytes);
        using var copy = await lake.CopyAsync(key, CancellationToken.None);
        Assert.NotNull(copy);
        Assert.Equal(Content, File.ReadAllText(copy.Path));
        Assert.Equal(landed, copy.LandedAt);
        var downloaded = copy.Path;
        copy.Dispose();
        Assert.False(File.Exists(downloaded), "a downloaded copy is removed when disposed");
    }

    [Fact]
    public async Task Listing_finds_objects_put_after_an_earlier_listing_and_keeps_key_order()
    {
        using var lake = Open();
        await lake.PutAsync(LakeKey.For(Now, "b.csv", new string('b', 64)), LocalFile("x"), Now, CancellationToken.None);
        Assert.Single(await lake.ListAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromHours(30));
        var later = _time.GetUtcNow().UtcDateTime;
        await lake.PutAsync(LakeKey.For(later, "a.csv", new string('c', 64)), LocalFile("y"), later, CancellationToken.None);
        await lake.PutAsync(LakeKey.For(Now, "c.csv", new string('d', 64)), LocalFile("z"), Now, CancellationToken.None);

        var keys = (await lake.ListAsync(CancellationToken.None)).Select(e => e.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Contains(keys, k => k.StartsWith(later.ToString("yyyy/MM/dd", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.Contains(keys, k => k.Contains("/c_dddd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Copying_an_object_that_is_gone_answers_null()
    {
        using var lake = Open();
        Assert.Null(await lake.CopyAsync("2026/11/27/none_0000000000000000.csv", CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_store_is_a_transient_error_that_names_the_lake_and_no_secret()
    {
        using var lake = Open("http://127.0.0.1:9");
        var e = await Assert.ThrowsAsync<CustomerTrackException>(() => lake.ListAsync(CancellationToken.None));
        Assert.True(e.IsTransient);
        Assert.Contains(_uri, e.Message, StringComparison.Ordinal);
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        Assert.False(string.IsNullOrEmpty(secret), "./test.sh exports the test server's credentials");
        Assert.DoesNotContain(secret, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://", "names no bucket")]
    [InlineData("s3:///prefix", "names no bucket")]
    [InlineData("http://bucket/prefix", "is not s3://bucket/prefix")]
    public void A_lake_uri_that_is_not_a_bucket_fails_naming_the_setting(string uri, string reason)
    {
        var e = Assert.Throws<SettingsException>(() => S3Lake.Parse(uri));
        Assert.Equal("Lake:Uri", e.Setting);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _tmp.Dispose();
}
