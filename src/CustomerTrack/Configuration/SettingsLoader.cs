using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace CustomerTrack.Configuration;

/// <summary>Reads settings in the usual .NET order: the workspace's JSON file, environment variables, then flags.</summary>
public static partial class SettingsLoader
{
    public const string FileName = "customertrack.json";
    public const string EnvironmentPrefix = "CUSTOMERTRACK__";

    public static Settings Load(string workspaceDir, IReadOnlyDictionary<string, string?>? flags = null)
    {
        var file = Path.Combine(Path.GetFullPath(workspaceDir), FileName);
        var builder = new ConfigurationBuilder();
        if (File.Exists(file))
        {
            builder.AddJsonFile(file, optional: true, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (flags is not null)
        {
            builder.AddInMemoryCollection(flags);
        }

        var settings = new Settings();
        try
        {
            var config = builder.Build();
            SettingsShape.Check(config);
            config.Bind(settings);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the setting only in its own message; the reason is in the inner exception.
            var reason = e.InnerException is CustomerTrackException ours ? ours.Message : e.Message;
            var setting = BinderSetting().Match(e.Message);
            throw new CustomerTrackException(setting.Success
                ? $"setting {setting.Groups[1].Value}: {reason}"
                : $"settings in {file}, the environment or flags: {reason}", e);
        }
        catch (InvalidDataException e)
        {
            // The JSON provider wraps its parse error: "Failed to load configuration from file ...".
            var reason = e.InnerException?.InnerException ?? e.InnerException ?? e;
            throw new CustomerTrackException($"{file} {(e.InnerException is FormatException ? "is not valid JSON" : "cannot be read")}: {reason.Message}", e);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CustomerTrackException($"{file} is not valid JSON: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new CustomerTrackException($"{file} is not valid JSON: {e.Message}", e);
        }

        settings.Validate();
        return settings;
    }

    [GeneratedRegex(@" at '([^']+)' ")]
    private static partial Regex BinderSetting();
}
