using CustomerTrack.Load;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// The loader's set of loaded keys, kept between cycles: it must equal the load history after every change, however
/// the history moved (rows from this worker, from another worker whose clock is far behind, none at all).
/// </summary>
public sealed class LoadedFilesTests
{
    public static TheoryData<Engine> Engines() => [Engine.DuckDb, Engine.Postgres];

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task The_set_follows_the_load_history_whatever_the_clocks_of_the_workers_that_wrote_it(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        var ws = tmp.Open();
        using var warehouse = Warehouses.Open(ws, readOnly: false);
        var loaded = new LoadedFiles(warehouse, new FakeTimeProvider(Now));
        Assert.Empty(loaded.Current());

        // Rows written at this worker's time, then none, then one from a worker whose clock is an hour behind (older
        // than the margin the set reads back), then a later one: each time the set equals the history.
        (string Key, DateTime At)[] writes = [("2031/02/03/a_1.csv", Now), ("2031/02/03/b_2.csv", Now.AddSeconds(1)),
            ("2031/02/03/c_3.csv", Now.AddHours(-1)), ("2031/02/03/d_4.csv", Now.AddSeconds(2))];
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, at) in writes)
        {
            await FileLoad.QuarantineAsync(warehouse, new LakeFile(key, "/nowhere", Path.GetFileName(key), new string('0', 64), 1, null, null, ""), "test",
                new FakeTimeProvider(at));
            expected.Add(key);
            Assert.Equal(expected, loaded.Current());
            Assert.Equal(expected, loaded.Current());
            Assert.Equal(expected, warehouse.Query("SELECT file_key FROM load_history").Rows.Select(r => r[0]!).ToHashSet());
        }
    }
}
