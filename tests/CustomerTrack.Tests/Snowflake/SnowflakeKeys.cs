using System.Diagnostics;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>RSA key files made by openssl (the tool Snowflake's documentation uses), in a temporary folder.</summary>
internal sealed class SnowflakeKeys : IDisposable
{
    public SnowflakeKeys()
    {
        Dir = Directory.CreateTempSubdirectory("ct-snowflake-keys-").FullName;
        PrivateKey = Path.Combine(Dir, "rsa_key.p8");
        PublicKey = Path.Combine(Dir, "rsa_key.pub");
        OpenSsl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", PrivateKey);
        OpenSsl("pkey", "-in", PrivateKey, "-pubout", "-out", PublicKey);
        OwnerOnly(PrivateKey);
    }

    /// <summary>chmod 600.</summary>
    public static void OwnerOnly(string path) => Chmod(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    public static void Chmod(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    public string Dir { get; }

    public string PrivateKey { get; }

    public string PublicKey { get; }

    /// <summary>The public key's fingerprint as Snowflake's documentation computes it, with openssl.</summary>
    public string OpenSslFingerprint()
    {
        var der = Path.Combine(Dir, "pub.der");
        OpenSsl("pkey", "-pubin", "-in", PublicKey, "-outform", "DER", "-out", der);
        var digest = Path.Combine(Dir, "pub.sha256");
        OpenSsl("dgst", "-sha256", "-binary", "-out", digest, der);
        return "SHA256:" + Convert.ToBase64String(File.ReadAllBytes(digest));
    }

    /// <summary>Whether openssl verifies <paramref name="signature"/> over <paramref name="data"/> with the public key (RS256).</summary>
    public bool OpenSslVerifies(byte[] data, byte[] signature)
    {
        var dataFile = Path.Combine(Dir, "signed.txt");
        var sigFile = Path.Combine(Dir, "signature.bin");
        File.WriteAllBytes(dataFile, data);
        File.WriteAllBytes(sigFile, signature);
        var (code, output) = Run("dgst", "-sha256", "-verify", PublicKey, "-signature", sigFile, dataFile);
        return code == 0 && output.Contains("Verified OK", StringComparison.Ordinal);
    }

    /// <summary>The public key as ALTER USER … SET RSA_PUBLIC_KEY takes it: the PEM body without its delimiters.</summary>
    public string PublicKeyBody() => string.Concat(File.ReadAllLines(PublicKey).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));

    private static void OpenSsl(params string[] args)
    {
        var (code, output) = Run(args);
        Assert.True(code == 0, $"openssl {string.Join(' ', args)} failed: {output}");
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
