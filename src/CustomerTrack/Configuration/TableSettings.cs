namespace CustomerTrack.Configuration;

/// <summary>One entry of the <c>Tables</c> section, as bound from settings; <see cref="TableDefinitions"/> checks it.</summary>
internal sealed class TableSettings
{
    /// <summary><c>csv</c>, <c>ndjson</c> or <c>parquet</c>: how the table's files are read, whatever their extension.</summary>
    public string Format { get; set; } = "csv";

    /// <summary>Files directly in landing/ belong to this table.</summary>
    public bool Default { get; set; }

    /// <summary>The business key's columns, in order.</summary>
    public string[] Key { get; set; } = [];

    /// <summary>Every column with its type (<c>string</c>, <c>int32</c>, <c>int64</c>, <c>double</c>, <c>decimal(p,s)</c>, <c>bool</c>, <c>date</c>, <c>timestamp</c>).</summary>
    public Dictionary<string, string> Columns { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The column that sequences changes; without it rows are sequenced by load time and position.</summary>
    public string? EventTime { get; set; }

    /// <summary>How the event time is written: <c>iso8601</c> (the default), <c>epoch_s</c>, <c>epoch_ms</c>, or a .NET custom pattern.</summary>
    public string? EventTimeFormat { get; set; }

    public OpSettings? Op { get; set; }

    /// <summary>Per-table SCD options; what is not set here comes from the global <c>Scd</c> section.</summary>
    public TableScdSettings? Scd { get; set; }

    /// <summary><c>changes</c> (the default: each file holds changes) or <c>snapshot</c> (each file is a full extract at its event time).</summary>
    public string Mode { get; set; } = "changes";

    /// <summary>Snapshot tables only: the partitions a file holds whole, and the truncated-extract guard.</summary>
    public SnapshotSettings? Snapshot { get; set; }

    /// <summary>A file's column name to the definition's.</summary>
    public Dictionary<string, string> Rename { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>ignore</c> (unknown columns listed in load_history) or <c>add</c> (added as nullable string attributes).</summary>
    public string SchemaEvolution { get; set; } = "ignore";

    /// <summary>CSV only: the field delimiter (one character, or <c>\t</c>).</summary>
    public string Delimiter { get; set; } = ",";

    /// <summary>CSV only: the quote character.</summary>
    public string Quote { get; set; } = "\"";

    /// <summary>CSV only: whether the first row names the columns; without it columns are taken in definition order.</summary>
    public bool Header { get; set; } = true;

    /// <summary>CSV only: <c>utf-8</c> or <c>latin-1</c>.</summary>
    public string Encoding { get; set; } = "utf-8";

    /// <summary>CSV only: the character before a number's fraction in int, decimal and double columns: <c>.</c> (the default) or <c>,</c>.</summary>
    public string DecimalSeparator { get; set; } = ".";

    /// <summary>CSV only: the character grouping a number's digits by three (<c>.</c> in <c>1.250</c>), or empty (the default) for none.</summary>
    public string ThousandsSeparator { get; set; } = "";

    /// <summary>CSV only: how date columns are written, as a .NET custom pattern (<c>dd.MM.yyyy</c>); empty for ISO 8601 (<c>2026-12-01</c>).</summary>
    public string DateFormat { get; set; } = "";

    /// <summary>CSV only: how timestamp columns are written, as a .NET custom pattern (<c>dd.MM.yyyy HH:mm</c>); empty for ISO 8601.</summary>
    public string TimestampFormat { get; set; } = "";
}

/// <summary>A feed's op column and the mapping from its values to INSERT, UPDATE, UPSERT, DELETE.</summary>
internal sealed class OpSettings
{
    public string Column { get; set; } = "";

    public Dictionary<string, string> Values { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The global <c>Scd</c> options, each of which a table may override.</summary>
internal sealed class TableScdSettings
{
    public string[]? TrackHistoryExcept { get; set; }

    public bool? IgnoreNullUpdates { get; set; }

    public string? DeleteMode { get; set; }
}

/// <summary>A snapshot table's options (docs/semantics.md, rule 16).</summary>
internal sealed class SnapshotSettings
{
    /// <summary>The columns whose values name the partitions a file holds whole; empty: each file is the whole table.</summary>
    public string[] Partition { get; set; } = [];

    /// <summary>The share of the covered partitions' live keys a snapshot may delete before it is set aside (0 to 1).</summary>
    public double MaxDeleteShare { get; set; } = 0.5;
}
