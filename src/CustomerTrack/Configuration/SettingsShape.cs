using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace CustomerTrack.Configuration;

/// <summary>
/// Checks every key given (in customertrack.json, CUSTOMERTRACK__ variables and flags) against the shape of
/// <see cref="Settings"/>, read from its properties: a key that names no setting, a section given a value, a single
/// setting given a list or section, a list given a single value. The binder would ignore each of these silently.
/// A new section is a new property of <see cref="Settings"/>; a dictionary (such as table definitions) takes any key.
/// </summary>
internal static class SettingsShape
{
    public static void Check(IConfiguration config) => CheckSection(config.GetChildren(), typeof(Settings), "");

    private static void CheckSection(IEnumerable<IConfigurationSection> children, Type type, string prefix)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        foreach (var child in children)
        {
            var path = prefix + child.Key;
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase))
                ?? throw new SettingsException(path, $"is not a setting; {(prefix.Length == 0 ? "sections" : "keys here")} are {string.Join(", ", properties.Select(p => prefix + p.Name))}");
            CheckValue(child, property.PropertyType, path);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, string path)
    {
        var children = section.GetChildren().ToList();
        if (IsScalar(type))
        {
            if (children.Count > 0)
            {
                throw new SettingsException(path, $"takes one value ({Describe(type)}), not a list or a section");
            }

            return;
        }

        if (type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
            {
                throw new SettingsException(path, $"takes a list, e.g. [\"{section.Value}\"] in JSON or {path}:0={section.Value} as a flag");
            }

            foreach (var item in children)
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new SettingsException(path, $"takes a list, not a section (found key '{item.Key}')");
                }

                CheckValue(item, element, $"{path}:{item.Key}");
            }

            return;
        }

        if (typeof(IDictionary).IsAssignableFrom(type) && type.IsGenericType)
        {
            var valueType = type.GetGenericArguments()[1];
            foreach (var entry in children)
            {
                CheckValue(entry, valueType, $"{path}:{entry.Key}");
            }

            return;
        }

        if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
        {
            throw new SettingsException(path, $"is a section, not a value; write its keys ({string.Join(", ", type.GetProperties().Select(p => $"{path}:{p.Name}"))})");
        }

        CheckSection(children, type, path + ":");
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Duration)
        || Nullable.GetUnderlyingType(type) is not null;

    private static string Describe(Type type) =>
        type == typeof(bool) ? "true or false"
        : type == typeof(Duration) ? "a duration such as 500ms or 20s"
        : type == typeof(string) ? "a text"
        : "a number";
}
