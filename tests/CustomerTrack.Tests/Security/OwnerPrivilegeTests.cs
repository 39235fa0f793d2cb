using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Security;

/// <summary>
/// The owner's loopback endpoint is no door into the owner's account: its token is readable by the owner alone, and
/// whoever holds the token still gets a connection that cannot reach the file system or change the configuration.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OwnerPrivilegeTests
{
    [Fact]
    public async Task Another_local_user_cannot_read_the_token_and_a_token_holder_cannot_reach_files()
    {
        OtherUser.Ensure();
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        var secretDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "ct-secret-" + Guid.NewGuid().ToString("N")[..8]));
        File.SetUnixFileMode(secretDir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var secret = Path.Combine(secretDir.FullName, "secret.txt");
        await File.WriteAllTextAsync(secret, "owner-only-secret\n");
        var written = Path.Combine(tmp.Dir, "written-by-a-reader.log");
        var ownerFile = Path.Combine(tmp.Dir, "owner.json");
        using var child = CliRunner.Start("run", "-w", tmp.Dir, "--for", "60s");
        var childOut = Task.Run(() => child.StandardOutput.ReadToEndAsync());
        var childErr = Task.Run(() => child.StandardError.ReadToEndAsync());
        try
        {
            await CliRunner.WaitUntilAsync(() => File.Exists(ownerFile) || child.HasExited, "the child to write owner.json");
            Assert.False(child.HasExited, "the child run ended early");

            // Created 0600: nothing for the group or others, at any moment.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ownerFile));
            var cat = await OtherUser.RunAsync("cat", ownerFile);
            Assert.True(cat.Code != 0 && cat.Err.Contains("Permission denied", StringComparison.Ordinal), cat.ToString());

            // The other user's query reaches neither the owner nor the data.
            var query = await OtherUser.CliAsync("query", "SELECT 'leak:' || count(*) FROM customer", "-w", tmp.Dir);
            Assert.True(query.Code != 0 && !query.Out.Contains("leak:", StringComparison.Ordinal), query.ToString());

            // With the token (this test runs as the owner), the reader's connection still cannot touch files.
            await CliAssert.PollAsync(
                () => CliRunner.RunAsync("query", "SELECT count(*) FROM customer", "-w", tmp.Dir, "--format", "csv"),
                r => r.Out.EndsWith("2" + Environment.NewLine, StringComparison.Ordinal), "first.csv to reach customer");
            string[] attacks =
            [
                $"SELECT * FROM read_text('{secret}')",
                $"SELECT * FROM read_blob('{secret}')",
                $"SELECT * FROM read_csv('{secret}')",
                $"SELECT * FROM '{secret}'",
                $"SELECT * FROM glob('{secretDir.FullName}/*')",
                $"SELECT * FROM read_json('{secret}')",
                $"SELECT * FROM read_parquet('{secret}')",
                $"SELECT * FROM enable_logging(storage = 'file', storage_path = '{written}')",
                $"SELECT * FROM enable_logging(storage_path = '{written}')",
                "SELECT * FROM duckdb_settings() WHERE set_config('enable_external_access', 'true') IS NULL",
                $"SELECT * FROM query_table('{secret}')",
                $"SELECT * FROM query('SELECT * FROM read_text(''{secret}'')')",
                "SELECT * FROM checkpoint()",
                "SELECT * FROM force_checkpoint()",
            ];
            foreach (var sql in attacks)
            {
                var result = await CliRunner.RunAsync("query", sql, "-w", tmp.Dir, "--format", "csv");
                Assert.True(result.Code is not 0 and not 70 && !result.Out.Contains("owner-only-secret", StringComparison.Ordinal)
                    && !result.Out.Contains("secret.txt", StringComparison.Ordinal), $"{sql}\n{result}");
            }

            Assert.False(File.Exists(written), "a reader made the owner write a file");
            var setting = await CliRunner.RunAsync("query", "SELECT current_setting('enable_external_access') AS open", "-w", tmp.Dir, "--format", "csv");
            Assert.Equal("open\nfalse\n", setting.Out.ReplaceLineEndings("\n"));

            // The pipeline itself goes on: a file landed now still reaches customer.
            tmp.Land("second.csv", Samples.Second);
            await CliAssert.PollAsync(
                () => CliRunner.RunAsync("query", "SELECT city FROM customer WHERE customer_id = 7", "-w", tmp.Dir, "--format", "csv"),
                r => r.Out.Contains("Rome", StringComparison.Ordinal), "second.csv to reach customer");
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
            await Task.WhenAll(childOut, childErr);
            Directory.Delete(secretDir.FullName, recursive: true);
        }
    }
}
