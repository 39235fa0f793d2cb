using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomerTrack.Tables;

namespace CustomerTrack.Tests.Scd;

/// <summary>
/// Runs a feed written for the customer table (the rule tests' and docs/semantics.md's hand-written files and queries)
/// on another table definition: customer_id becomes the table's key (for product: sku S&lt;id&gt;, region EU), each
/// customer attribute one of the table's columns, and its values values of that column's type, given in order of first
/// appearance (Oslo may become 2026-02-01 in a date column). Query results are mapped back, so the expected rows stay
/// the customer's. One instance per run: the value mapping is the run's.
/// </summary>
internal sealed partial class FeedTranslation
{
    /// <summary>Customer attribute to product column: every type the definition has, and TrackHistoryExcept's email on an int64.</summary>
    private static readonly Dictionary<string, string> ProductColumns = new(StringComparer.Ordinal)
    {
        ["first_name"] = "name",
        ["last_name"] = "price",
        ["city"] = "launched",
        ["email"] = "stock",
        ["state"] = "active",
    };

    private readonly FeedTable _table;
    private readonly Dictionary<string, Dictionary<string, string>> _to = [];
    private readonly Dictionary<string, Dictionary<string, string>> _back = [];

    public FeedTranslation(FeedTable table)
    {
        if (table != FeedTable.Product)
        {
            throw new ArgumentException($"no translation for {table}");
        }

        _table = table;
    }

    private TableDefinition Definition => _table.Definition;

    /// <summary>Whether every customer column in <paramref name="text"/> (a file, a query, settings) has a column in the table.</summary>
    /// <remarks>Settings that define a table of their own (a snapshot table) have nothing to translate onto: the table is theirs.</remarks>
    public static bool Translatable(string text) =>
        !text.Contains("\"Tables\"", StringComparison.Ordinal)
        && !Word().Matches(text).Any(m => m.Value is "street" or "country" || m.Value == "customer_raw");

    [GeneratedRegex("[a-z_]+")]
    private static partial Regex Word();

    public ScdOptions Options(ScdOptions options) =>
        options with { TrackHistoryExcept = [.. options.TrackHistoryExcept.Select(Column)] };

    private static string Column(string customerColumn) =>
        ProductColumns.TryGetValue(customerColumn, out var c) ? c : throw new ArgumentException($"customer column {customerColumn} has no product column");

    /// <summary>The example's settings (global Scd and the like) with the table's definition added.</summary>
    public string Settings(string? json)
    {
        var settings = json is null ? new JsonObject() : JsonNode.Parse(json)!.AsObject();
        if (settings["Scd"]?["TrackHistoryExcept"] is JsonArray except)
        {
            settings["Scd"]!["TrackHistoryExcept"] = new JsonArray([.. except.Select(e => (JsonNode)JsonValue.Create(Column(e!.GetValue<string>())))]);
        }

        settings["Tables"] = JsonNode.Parse(_table.SettingsJson!)!["Tables"]!.DeepClone();
        return settings.ToJsonString();
    }

    /// <summary>A customer CSV file (no quoted fields) as the table's file.</summary>
    public string Csv(string csv)
    {
        var lines = csv.Split('\n');
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        var output = new List<string> { string.Join(",", header.Select(h => h switch
        {
            "customer_id" => string.Join(",", Definition.Key.Select(k => k.Name)),
            "updated_at" => Definition.EventTime!,
            "op" => Definition.Op!.Column,
            _ => Column(h),
        })) };
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0)
            {
                output.Add(line);
                continue;
            }

            var cells = line.Split(',');
            output.Add(string.Join(",", cells.Select((v, i) => header[i] switch
            {
                "customer_id" => string.Join(",", _table.Key(int.Parse(v, CultureInfo.InvariantCulture))),
                "updated_at" => v,
                "op" => Op(v),
                _ => Value(Column(header[i]), v),
            })));
        }

        return string.Join("\n", output);
    }

    private string Op(string op)
    {
        var kind = op.Trim().ToUpperInvariant() switch
        {
            "INSERT" or "I" => Contract.ChangeOp.Insert,
            "UPDATE" or "U" => Contract.ChangeOp.Update,
            "DELETE" or "D" => Contract.ChangeOp.Delete,
            _ => Contract.ChangeOp.Upsert,
        };
        return _table.OpText(kind, op.Length == 1 ? 2 : 0);
    }

    /// <summary>The value of <paramref name="column"/> that stands for the customer value <paramref name="value"/> (empty stays NULL).</summary>
    private string Value(string column, string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        var type = Definition.Attributes.Single(a => a.Name == column).Type;
        if (type.Kind == ColumnKind.String)
        {
            return value;
        }

        var to = _to.TryGetValue(column, out var t) ? t : _to[column] = [];
        if (!to.TryGetValue(value, out var mapped))
        {
            var i = to.Count;
            mapped = type.Kind switch
            {
                ColumnKind.Date => new DateOnly(2026, 2, 1).AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ColumnKind.Int64 or ColumnKind.Int32 => (100 + i).ToString(CultureInfo.InvariantCulture),
                ColumnKind.Decimal => (i + 1).ToString(CultureInfo.InvariantCulture) + ".25",
                ColumnKind.Bool when i < 2 => i == 0 ? "true" : "false",
                _ => throw new ArgumentException($"no more {type} values for {column}"),
            };
            to[value] = mapped;
            (_back.TryGetValue(column, out var b) ? b : _back[column] = [])[mapped] = value;
        }

        return mapped;
    }

    /// <summary>The query on the table, and how to turn its rows back into the customer query's.</summary>
    public (string Sql, Func<List<string>, string, List<string>> Back) Query(string sql)
    {
        var m = SelectList().Match(sql);
        var renamed = Rename(sql);
        if (!m.Success || m.Groups[1].Value.Contains('(') || m.Groups[1].Value.Contains('*'))
        {
            return (renamed, (rows, _) => rows);
        }

        var items = m.Groups[1].Value.Split(',').Select(i => i.Trim()).ToArray();
        var select = items.Select(i => i switch
        {
            "customer_id" => string.Join(", ", Definition.Key.Select(k => k.Name)),
            _ when ProductColumns.TryGetValue(i, out var c) && Definition.Attributes.Single(a => a.Name == c).Type.Kind != ColumnKind.String =>
                $"CAST({c} AS VARCHAR) AS {c}",
            _ => Rename(i),
        });
        var query = $"SELECT {string.Join(", ", select)} {Rename(sql[(m.Index + m.Length)..])}";
        return (query, (rows, nullText) => rows.Select(r => Back(r, items, nullText)).ToList());
    }

    private string Back(string row, string[] items, string nullText)
    {
        var cells = new Queue<string>(row.Split('|'));
        var back = new List<string>();
        foreach (var item in items)
        {
            if (item == "customer_id")
            {
                var key = Enumerable.Range(0, Definition.Key.Count).Select(_ => cells.Dequeue()).ToArray();
                back.Add(Enumerable.Range(1, FeedTable.Keys).Single(k => _table.Key(k).SequenceEqual(key)).ToString(CultureInfo.InvariantCulture));
                continue;
            }

            var cell = cells.Dequeue();
            back.Add(ProductColumns.TryGetValue(item, out var c) && cell != nullText && _back.TryGetValue(c, out var values) ? values[cell] : cell);
        }

        return string.Join("|", back);
    }

    [GeneratedRegex(@"^\s*SELECT\s+(.*?)\s+(?=FROM\b)", RegexOptions.Singleline)]
    private static partial Regex SelectList();

    /// <summary>Customer names in a query's text as the table's (the key's order for customer_id).</summary>
    private string Rename(string sql) => Word().Replace(sql, w => w.Value switch
    {
        "customer" => Definition.CurrentTable,
        "customer_history" => Definition.HistoryTable,
        "customer_id" => string.Join(", ", Definition.Key.Select(k => k.Name)),
        "updated_at" => Definition.EventTime!,
        "op" => Definition.Op!.Column,
        _ when ProductColumns.TryGetValue(w.Value, out var c) => c,
        _ => w.Value,
    });
}
