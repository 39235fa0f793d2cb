using System.Text.RegularExpressions;
using CustomerTrack.Configuration;

namespace CustomerTrack.Tests;

/// <summary>The README promises commands and settings; these tests hold it to them.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Readme = File.ReadAllText(Path.Combine(Root, "README.md"));

    [Fact]
    public void Every_setting_in_the_readme_exists_with_the_default_it_states()
    {
        var rows = SettingRow().Matches(Readme).Select(m => (Key: m.Groups[1].Value, Default: m.Groups[2].Value)).ToList();
        Assert.True(rows.Count >= 14, $"found only {rows.Count} settings rows");
        var defaults = Flatten(new Settings());
        foreach (var (key, stated) in rows)
        {
            Assert.True(defaults.ContainsKey(key), $"README names setting {key}, which does not exist");
            Assert.Equal(stated, defaults[key]);
        }

        Assert.Equal(defaults.Keys.Order(), rows.Select(r => r.Key).Order());
        Assert.Contains("| `Tables` | (none) |", Readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_setting_of_a_table_is_in_the_readme_table_of_table_settings()
    {
        var section = Readme[Readme.IndexOf("Each entry of `Tables`", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n\n", section.IndexOf("| setting", StringComparison.Ordinal), StringComparison.Ordinal)];
        foreach (var setting in typeof(TableSettings).GetProperties())
        {
            Assert.Contains($"`{setting.Name}`", section, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_command_in_the_readme_is_a_command_of_the_cli()
    {
        var section = Readme[Readme.IndexOf("## Commands", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        var commands = CommandRow().Matches(section).Select(m => m.Groups[1].Value).ToHashSet();
        var cli = CustomerTrack.Cli.Program.Build().Subcommands.Select(c => c.Name).ToHashSet();
        Assert.Equal(cli.Order(), commands.Order());
        Assert.Contains("./customertrack demo", Readme, StringComparison.Ordinal);
        Assert.Contains("./test.sh", Readme, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Flatten(Settings settings)
    {
        var values = new Dictionary<string, string>();
        foreach (var section in typeof(Settings).GetProperties())
        {
            var value = section.GetValue(settings)!;
            if (value is System.Collections.IDictionary)
            {
                // A section of named entries (Tables) has no defaults of its own: the README names it, checked below.
                continue;
            }

            Add(values, section.Name, value);
        }

        return values;
    }

    private static void Add(Dictionary<string, string> values, string path, object section)
    {
        foreach (var p in section.GetType().GetProperties())
        {
            var v = p.GetValue(section);
            var key = $"{path}:{p.Name}";
            if (v is not null && p.PropertyType.IsClass && p.PropertyType != typeof(string) && !p.PropertyType.IsArray)
            {
                Add(values, key, v);
                continue;
            }

            values[key] = v switch
            {
                string[] a => "[" + string.Join(", ", a) + "]",
                bool b => b ? "true" : "false",
                Duration d => d.ToString(),
                "" => "",
                _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            };
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CustomerTrack.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("no CustomerTrack.slnx above the test binaries");
    }

    [GeneratedRegex(@"^\| `(\w+(?::\w+)+)` \| `([^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex SettingRow();

    [GeneratedRegex(@"^\| `([a-z-]+)[ `]", RegexOptions.Multiline)]
    private static partial Regex CommandRow();
}
