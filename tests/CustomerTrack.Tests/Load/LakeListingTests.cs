using CustomerTrack.Configuration;
using CustomerTrack.Lake;
using CustomerTrack.Lake.S3;
using CustomerTrack.Load;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// The loader lists the lake incrementally: after a first whole listing, only the days since the day before it and the
/// days of files still waiting are read, on the folder lake and on S3 alike. A file put into an older day folder
/// afterwards (which ingest never does) is what shows that older days are no longer read.
/// </summary>
public sealed class LakeListingTests
{
    public static TheoryData<string> Lakes() => ["folder", "s3"];

    private static readonly DateTime Now = new(2031, 5, 20, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Lakes))]
    public async Task Later_listings_read_the_last_days_and_the_days_of_files_still_waiting(string kind)
    {
        using var tmp = new TempWorkspace();
        var time = new FakeTimeProvider(Now);
        using var s3 = kind == "s3"
            ? new S3Lake($"s3://{TestServers.S3Bucket}/listing-{Guid.NewGuid():N}", new S3Settings { ServiceUrl = TestServers.S3Endpoint, UseChunkEncoding = false },
                Path.Combine(tmp.Dir, "downloads"), time)
            : null;
        var folder = new FolderLake(Path.Combine(tmp.Dir, "lake"));
        ILake lake = s3 is null ? folder : s3;
        async Task<string> Put(int daysAgo, string name)
        {
            var key = LakeKey.For(Now.AddDays(-daysAgo), name, new string('a', 64));
            var local = Path.Combine(tmp.Dir, Guid.NewGuid().ToString("N"));
            await File.WriteAllTextAsync(local, "x");
            if (s3 is not null)
            {
                await s3.PutAsync(key, local, Now, CancellationToken.None);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(folder.PathOf(key))!);
                File.Move(local, folder.PathOf(key));
            }

            return key;
        }

        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var listing = new LakeListing(lake, time);
        string[] Waiting() => [.. listing.Waiting(e => !loaded.Contains(e.Key), CancellationToken.None).Select(e => e.Key)];

        var old = await Put(10, "old.csv");
        var stuck = await Put(5, "stuck.csv");
        var today = await Put(0, "today.csv");
        loaded.UnionWith([old, today]);
        Assert.Equal([stuck], Waiting());

        // The file still waiting keeps its day listed; a day before it is no longer read.
        var tooOld = await Put(8, "too-old.csv");
        var stuckDay = await Put(5, "same-day.csv");
        var fresh = await Put(0, "fresh.csv");
        Assert.Equal([stuckDay, stuck, fresh], Waiting());
        Assert.DoesNotContain(tooOld, Waiting());

        // Once loaded, the listing starts at the day before the last one.
        loaded.UnionWith([stuck, stuckDay, fresh]);
        Assert.Empty(Waiting());
        await Put(5, "late.csv");
        var yesterday = await Put(1, "yesterday.csv");
        Assert.Equal([yesterday], Waiting());

        // A new listing (a restart) reads the whole lake again.
        Assert.Equal(3, new LakeListing(lake, time).Waiting(e => !loaded.Contains(e.Key), CancellationToken.None).Count);
    }
}
