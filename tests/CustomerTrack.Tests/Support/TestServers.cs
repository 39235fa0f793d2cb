namespace CustomerTrack.Tests.Support;

/// <summary>
/// The servers ./test.sh starts on 127.0.0.1 (scripts/dev-servers.sh). A test that needs one fails when it is
/// missing: it never skips, so a green run always exercised the real server.
/// </summary>
internal static class TestServers
{
    public static string S3Endpoint => Required("CT_TEST_S3_ENDPOINT");

    public static string S3Bucket => Required("CT_TEST_S3_BUCKET");

    /// <summary>A connection string to the test PostgreSQL server (a superuser on a throwaway cluster).</summary>
    public static string Postgres => Required("CT_TEST_PG");

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: run the tests through ./test.sh, or first eval \"$(scripts/dev-servers.sh up)\"");
}
