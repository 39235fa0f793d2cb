using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace CustomerTrack.Configuration;

/// <summary>Reads settings in the usual .NET order: the workspace's JSON file, environment variables, then flags.</summary>
internal static partial class SettingsLoader
{
    public const string FileName = "customertrack.json";
    public const string EnvironmentPrefix = "CUSTOMERTRACK__";

    public static Settings Load(string workspaceDir, IReadOnlyDictionary<string, string?>? flags = null)
    {
        var (settings, file) = Bind(workspaceDir, flags);
        settings.Validate(File.Exists(file) ? ColumnOrder(file) : null);
        return settings;
    }

    /// <summary>
    /// Every problem of the settings at once (<c>check</c>), one line each naming the setting or table; empty when they
    /// are clean. A file that is no JSON, or a value the binder cannot take, is one problem and ends the check there.
    /// </summary>
    public static IReadOnlyList<string> Problems(string workspaceDir, IReadOnlyDictionary<string, string?>? flags = null)
    {
        Settings settings;
        string file;
        try
        {
            (settings, file) = Bind(workspaceDir, flags);
        }
        catch (CustomerTrackException e)
        {
            return [e.Message];
        }

        var problems = new List<SettingsException>();
        settings.Validate(File.Exists(file) ? ColumnOrder(file) : null, problems);
        return problems.Select(p => p.Message).Distinct().ToList();
    }

    private static (Settings Settings, string File) Bind(string workspaceDir, IReadOnlyDictionary<string, string?>? flags)
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

        return (settings, file);
    }

    /// <summary>
    /// The order each table's columns are written in the settings file: configuration binding sorts a section's keys,
    /// and a table's columns should stand in the order their author wrote them.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>> ColumnOrder(string file)
    {
        var order = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(file),
            new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return order;
        }

        foreach (var section in doc.RootElement.EnumerateObject().Where(p => p.NameEquals("Tables") || p.Name.Equals("tables", StringComparison.OrdinalIgnoreCase)))
        {
            if (section.Value.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                continue;
            }

            foreach (var table in section.Value.EnumerateObject().Where(t => t.Value.ValueKind == System.Text.Json.JsonValueKind.Object))
            {
                foreach (var columns in table.Value.EnumerateObject().Where(p => p.Name.Equals("Columns", StringComparison.OrdinalIgnoreCase)
                             && p.Value.ValueKind == System.Text.Json.JsonValueKind.Object))
                {
                    order[table.Name] = columns.Value.EnumerateObject().Select(c => c.Name).ToArray();
                }
            }
        }

        return order;
    }

    [GeneratedRegex(@" at '([^']+)' ")]
    private static partial Regex BinderSetting();
}
