using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace CustomerTrack.Warehouse;

/// <summary>What a query parameter is bound as, the same on every engine.</summary>
internal enum ParameterType
{
    /// <summary>VARCHAR / text.</summary>
    Text,

    /// <summary>A UTC moment, as a TIMESTAMP without a zone (the warehouse's timestamps hold UTC).</summary>
    Timestamp,

    /// <summary>A 64-bit integer.</summary>
    BigInt,

    /// <summary>A list of texts, for <c>column = ANY($name)</c> (and <c>&lt;&gt; ALL</c>), which both engines take.</summary>
    TextList,
}

/// <summary>
/// A value a read-only statement binds, written <c>$name</c> in its text: the engine's driver binds it (DuckDB.NET by
/// name, Npgsql by position in the reader's session), so a value never becomes SQL text, whatever it holds.
/// </summary>
[JsonConverter(typeof(QueryParameterJson))]
internal sealed partial record QueryParameter
{
    private QueryParameter(string name, ParameterType type, object value)
    {
        if (!NameForm().IsMatch(name))
        {
            throw new ArgumentException($"parameter name '{name}' is not lower-case letters, digits and underscores", nameof(name));
        }

        (Name, Type, Value) = (name, type, value);
    }

    public string Name { get; }

    public ParameterType Type { get; }

    /// <summary>A string, a UTC <see cref="DateTime"/>, a long, or a string array, by <see cref="Type"/>; never null.</summary>
    public object Value { get; }

    public static QueryParameter Text(string name, string value) => new(name, ParameterType.Text, value);

    public static QueryParameter Timestamp(string name, DateTime value) =>
        new(name, ParameterType.Timestamp, DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static QueryParameter BigInt(string name, long value) => new(name, ParameterType.BigInt, value);

    public static QueryParameter TextList(string name, IEnumerable<string> values) => new(name, ParameterType.TextList, values.ToArray());

    /// <summary>The value for equality (two parameters with one type and value are one).</summary>
    internal bool SameValue(ParameterType type, object value) => Type == type && (Value, value) switch
    {
        (string[] a, string[] b) => a.SequenceEqual(b, StringComparer.Ordinal),
        var (a, b) => a.Equals(b),
    };

    /// <summary>A parameter's name: what DuckDB takes after <c>$</c>, and what <c>ISqlDialect.ReaderParameters</c> finds.</summary>
    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    internal static partial Regex NameForm();

    /// <summary>
    /// The parameter in the owner's JSON request: <c>{"name": "since", "type": "timestamp", "value": "2026-…Z"}</c>, the
    /// value read back as its type says and refused when it is not one.
    /// </summary>
    private sealed class QueryParameterJson : JsonConverter<QueryParameter>
    {
        public override QueryParameter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            var name = Property(root, "name").GetString() ?? "";
            var type = Property(root, "type").GetString() switch
            {
                "text" => ParameterType.Text,
                "timestamp" => ParameterType.Timestamp,
                "bigint" => ParameterType.BigInt,
                "text_list" => ParameterType.TextList,
                var other => throw new JsonException($"parameter {name}: no type '{other}' (text, timestamp, bigint, text_list)"),
            };
            var value = Property(root, "value");
            try
            {
                return type switch
                {
                    ParameterType.Text => Text(name, value.GetString() ?? throw new JsonException($"parameter {name}: null")),
                    ParameterType.Timestamp => Timestamp(name, value.GetDateTime().ToUniversalTime()),
                    ParameterType.BigInt => BigInt(name, value.GetInt64()),
                    _ => TextList(name, value.EnumerateArray().Select(e => e.GetString() ?? throw new JsonException($"parameter {name}: a null in the list"))),
                };
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                throw new JsonException($"parameter {name}: {e.Message}", e);
            }
        }

        private static JsonElement Property(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var p) ? p : throw new JsonException($"a parameter without \"{name}\"");

        public override void Write(Utf8JsonWriter writer, QueryParameter value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("name", value.Name);
            writer.WriteString("type", value.Type switch
            {
                ParameterType.Text => "text",
                ParameterType.Timestamp => "timestamp",
                ParameterType.BigInt => "bigint",
                _ => "text_list",
            });
            writer.WritePropertyName("value");
            switch (value.Value)
            {
                case string s:
                    writer.WriteStringValue(s);
                    break;
                case DateTime t:
                    writer.WriteStringValue(t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                    break;
                case long l:
                    writer.WriteNumberValue(l);
                    break;
                case IEnumerable list:
                    writer.WriteStartArray();
                    foreach (string item in list)
                    {
                        writer.WriteStringValue(item);
                    }

                    writer.WriteEndArray();
                    break;
            }

            writer.WriteEndObject();
        }
    }
}

/// <summary>
/// The parameters of a statement built in pieces (status, the dashboard's counts): each value is added where the text
/// needs it, and the placeholder to write there comes back (named after the hint). A value added twice (one type, one
/// value) is one parameter.
/// </summary>
internal sealed class QueryArgs : IReadOnlyList<QueryParameter>
{
    private readonly List<QueryParameter> _list = [];

    /// <summary>No parameters: a statement that binds none.</summary>
    public static IReadOnlyList<QueryParameter> None { get; } = [];

    public string Text(string value, string hint = "text") => Add(hint, ParameterType.Text, value, QueryParameter.Text);

    public string Timestamp(DateTime value, string hint = "at") =>
        Add(hint, ParameterType.Timestamp, DateTime.SpecifyKind(value, DateTimeKind.Utc), QueryParameter.Timestamp);

    public string BigInt(long value, string hint = "n") => Add(hint, ParameterType.BigInt, value, QueryParameter.BigInt);

    /// <summary>A list, for <c>column = ANY(…)</c> or <c>column &lt;&gt; ALL(…)</c>.</summary>
    public string TextList(IEnumerable<string> values, string hint = "list")
    {
        var array = values.ToArray();
        return Add(hint, ParameterType.TextList, array, (n, v) => QueryParameter.TextList(n, v));
    }

    private string Add<T>(string hint, ParameterType type, T value, Func<string, T, QueryParameter> make)
        where T : notnull
    {
        if (_list.FirstOrDefault(p => p.SameValue(type, value)) is { } same)
        {
            return "$" + same.Name;
        }

        var name = hint;
        for (var i = 2; _list.Any(p => p.Name == name); i++)
        {
            name = $"{hint}_{i}";
        }

        _list.Add(make(name, value));
        return "$" + name;
    }

    public int Count => _list.Count;

    public QueryParameter this[int index] => _list[index];

    public IEnumerator<QueryParameter> GetEnumerator() => _list.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
