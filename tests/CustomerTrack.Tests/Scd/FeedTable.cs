using System.Globalization;
using System.Text.Json;
using CustomerTrack.Configuration;
using CustomerTrack.Contract;
using CustomerTrack.Tables;

namespace CustomerTrack.Tests.Scd;

/// <summary>
/// What the SCD harness (FeedGen, ScdRun, ScdModel) needs to know of a table, taken from its
/// <see cref="TableDefinition"/>: the key columns and six keys to draw from, the attributes and three values of each
/// column's type (as a file writes them and as the warehouse shows them), the event-time and op columns and how the
/// feed writes each op. <see cref="Customer"/> is today's table (no Tables section); <see cref="Product"/> is the
/// issue's second definition: a composite string key, decimal/date/int64/bool attributes and a mapped op column.
/// </summary>
internal sealed class FeedTable
{
    private FeedTable(TableDefinition definition, string? settingsJson)
    {
        Definition = definition;
        SettingsJson = settingsJson;
        AttributeNames = definition.Attributes.Select(a => a.Name).ToArray();
    }

    public TableDefinition Definition { get; }

    /// <summary>The customertrack.json that defines the table; null for the customer table (no Tables section).</summary>
    public string? SettingsJson { get; }

    public string Name => Definition.Name;

    public IReadOnlyList<string> AttributeNames { get; }

    public int AttributeCount => AttributeNames.Count;

    /// <summary>The number of distinct keys <see cref="Key"/> gives.</summary>
    public const int Keys = 6;

    public static readonly FeedTable Customer = new(TableDefinition.Customer(CustomerTrack.Tables.ScdOptions.Default), null);

    public static readonly FeedTable Product = FromSettings("product", ProductSettings());

    /// <summary>
    /// The product table fed snapshots (docs/semantics.md, rule 16), whole or partitioned by <paramref name="partition"/>
    /// (empty: whole): <c>region</c>, a key column (keys 1 to 3 are EU, 4 to 6 US), so a key never changes partition; or
    /// <c>active</c>, an attribute, so a key moves between partitions (NULL, true, false) when its value changes. The
    /// truncated-extract guard is off: random snapshots may delete any share of the keys.
    /// </summary>
    public static FeedTable SnapshotProduct(string partition)
    {
        var settings = ProductSettings();
        settings.Mode = "snapshot";
        settings.Snapshot = new SnapshotSettings { Partition = partition.Length > 0 ? [partition] : [], MaxDeleteShare = 1 };
        return FromSettings("product", settings);
    }

    private static TableSettings ProductSettings() => new()
    {
        // Landed directly in landing/, as the customer's files are.
        Default = true,
        Key = ["sku", "region"],
        Columns = new(StringComparer.OrdinalIgnoreCase)
        {
            ["sku"] = "string",
            ["region"] = "string",
            ["name"] = "string",
            ["price"] = "decimal(12,2)",
            ["launched"] = "date",
            ["stock"] = "int64",
            ["active"] = "bool",
        },
        EventTime = "changed_at",
        Op = new OpSettings { Column = "kind", Values = new(StringComparer.OrdinalIgnoreCase) { ["c"] = "INSERT", ["u"] = "UPDATE", ["d"] = "DELETE" } },
    };

    public static FeedTable Named(string name) => name switch
    {
        "customer" => Customer,
        "product" => Product,
        _ => throw new ArgumentException($"no feed table {name}"),
    };

    /// <summary>
    /// The definition as the pipeline checks it (through <see cref="Settings.Validate"/>), and the same settings as the
    /// workspace's customertrack.json. The table has no Scd section of its own: the run's global Scd flags apply.
    /// </summary>
    private static FeedTable FromSettings(string name, TableSettings table)
    {
        var settings = new Settings();
        settings.Tables[name] = table;
        settings.Validate();
        var json = JsonSerializer.Serialize(new Dictionary<string, object> { ["Tables"] = new Dictionary<string, TableSettings> { [name] = table } },
            new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
        return new FeedTable(settings.Table(name), json);
    }

    /// <summary>
    /// Key number <paramref name="k"/> (1 to <see cref="Keys"/>) as the key columns' values. The values sort the same
    /// in every collation, so ORDER BY on the warehouse and the model's order agree.
    /// </summary>
    public string[] Key(int k) => Definition.Key.Count == 1
        ? [k.ToString(CultureInfo.InvariantCulture)]
        : Definition.Key.Select((c, i) => i switch
        {
            0 => "SKU" + (((k - 1) % 3) + 1).ToString(CultureInfo.InvariantCulture),
            1 => k <= 3 ? "EU" : "US",
            _ => "K" + k.ToString(CultureInfo.InvariantCulture),
        }).ToArray();

    /// <summary>Orders keys as the warehouse's ORDER BY on the key columns does.</summary>
    public int CompareKeys(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        for (var i = 0; i < Definition.Key.Count; i++)
        {
            var c = Definition.Key[i].Type.Kind is ColumnKind.Int32 or ColumnKind.Int64
                ? long.Parse(a[i], CultureInfo.InvariantCulture).CompareTo(long.Parse(b[i], CultureInfo.InvariantCulture))
                : string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static readonly string[] Short = ["fn", "ln", "em", "st", "ci", "sa", "co"];

    /// <summary>
    /// Attribute <paramref name="a"/>'s value number <paramref name="v"/> (0 is NULL, then 1 to 3) as a file writes it.
    /// Values of one column differ as the warehouse keeps them, except a bool's 3, which writes 1's value another way.
    /// </summary>
    public string? Text(int a, int v)
    {
        if (v == 0)
        {
            return null;
        }

        var type = Definition.Attributes[a].Type;
        var n = v.ToString(CultureInfo.InvariantCulture);
        return type.Kind switch
        {
            ColumnKind.String when a == 4 && v == 3 => "Oslo, \"Sentrum\"", // needs CSV quoting
            ColumnKind.String when a == 0 && v == 3 && AttributeCount < 7 => "Lamp, \"big\"",
            ColumnKind.String => (a < Short.Length ? Short[a] : "a" + a.ToString(CultureInfo.InvariantCulture)) + n,
            ColumnKind.Int32 or ColumnKind.Int64 => v switch { 1 => "10", 2 => " -20", _ => type.Kind == ColumnKind.Int64 ? "9000000000" : "30" },
            ColumnKind.Decimal => v switch { 1 => "1.5", 2 => "3", _ => "4.50" },
            ColumnKind.Double => v switch { 1 => "0.5", 2 => "1.25", _ => "2.75" },
            ColumnKind.Bool => v switch { 1 => "true", 2 => "false", _ => "T" },
            ColumnKind.Date => "2026-01-0" + n,
            _ => "2026-01-01T10:00:0" + n + "Z",
        };
    }

    /// <summary>Attribute <paramref name="a"/>'s value number <paramref name="v"/> as the warehouse shows it (CAST to VARCHAR); null for NULL.</summary>
    public string? Shown(int a, int v)
    {
        var text = Text(a, v);
        if (text is null)
        {
            return null;
        }

        var type = Definition.Attributes[a].Type;
        return type.Kind switch
        {
            ColumnKind.Int32 or ColumnKind.Int64 => text.Trim(),
            ColumnKind.Decimal => decimal.Parse(text, CultureInfo.InvariantCulture).ToString("F" + type.Scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            ColumnKind.Bool => text is "true" or "T" ? "true" : "false",
            ColumnKind.Timestamp => text.Replace('T', ' ').TrimEnd('Z'),
            _ => text,
        };
    }

    /// <summary>The op as the feed writes it in form <paramref name="form"/> (0 canonical, 1 lower case, 2 one letter, 3 empty for UPSERT).</summary>
    public string OpText(string op, int form)
    {
        if (Definition.Op is not { } mapping)
        {
            return "";
        }

        var written = mapping.Values.Where(v => v.Value == Kind(op)).Select(v => v.Key).OrderBy(v => v.Length).ThenBy(v => v, StringComparer.Ordinal).ToList();
        if (written.Count == 0)
        {
            // UPSERT has no value of its own in a mapping without one: empty means UPSERT.
            return "";
        }

        var longest = written[^1];
        return form switch
        {
            1 => longest.ToLowerInvariant(),
            2 => written[0].ToUpperInvariant(),
            3 when op == ChangeOp.Upsert => "",
            _ => longest,
        };
    }

    private static ChangeKind Kind(string op) => op switch
    {
        ChangeOp.Insert => ChangeKind.Insert,
        ChangeOp.Update => ChangeKind.Update,
        ChangeOp.Delete => ChangeKind.Delete,
        _ => ChangeKind.Upsert,
    };

    private string KeyList => string.Join(", ", Definition.Key.Select(k => k.Name));

    private string AttributeList => string.Join(", ", Definition.Attributes.Select(a =>
        a.Type.Kind == ColumnKind.String ? a.Name : $"CAST({a.Name} AS VARCHAR) AS {a.Name}"));

    /// <summary>The current table, as <see cref="ScdModel.Apply"/> gives it.</summary>
    public string CurrentSql => $"SELECT {KeyList}, {AttributeList}, update_timestamp FROM {Definition.CurrentTable} ORDER BY {KeyList}";

    /// <summary>The history table, as <see cref="ScdModel.Apply"/> gives it.</summary>
    public string HistorySql =>
        $"SELECT {KeyList}, {AttributeList}, start_time, end_time, is_current, is_deleted FROM {Definition.HistoryTable} ORDER BY {KeyList}, start_time";

    /// <summary>The ledger, as <see cref="LedgerRow.Show"/> gives it.</summary>
    public string LedgerSql =>
        $"SELECT _seq, {KeyList}, {Definition.SequenceColumn}, {Definition.OpColumn}, {AttributeList} FROM {Definition.RawTable} ORDER BY _seq";

    /// <summary>The feed's columns of an event-time file: key, attributes, event time, op.</summary>
    public string[] EventColumns => [.. Definition.Key.Select(k => k.Name), .. AttributeNames, Definition.EventTime!, Definition.Op!.Column];

    /// <summary>The feed's columns of a file without event time and op (the tutorial's form).</summary>
    public string[] PlainColumns => [.. Definition.Key.Select(k => k.Name), .. AttributeNames];

    public override string ToString() => Name;
}
