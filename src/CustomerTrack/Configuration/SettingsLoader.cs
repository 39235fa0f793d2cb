using Microsoft.Extensions.Configuration;

namespace CustomerTrack.Configuration;

/// <summary>Reads settings in the usual .NET order: the workspace's JSON file, environment variables, then flags.</summary>
public static class SettingsLoader
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
            builder.Build().Bind(settings);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the setting; ours (a bad duration, say) says what to write instead.
            var detail = e.InnerException is CustomerTrackException inner ? $"{e.Message} {inner.Message}" : e.Message;
            throw new CustomerTrackException($"settings in {file}, the environment or --set: {detail}", e);
        }
        catch (InvalidDataException e)
        {
            // The JSON provider wraps the parser's error, which says where the file breaks.
            throw new CustomerTrackException($"{file} is not valid JSON: {(e.InnerException ?? e).Message}", e);
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
}
