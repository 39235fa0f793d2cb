namespace CustomerTrack.Tables;

/// <summary>How a table's files are read.</summary>
internal enum FileFormat
{
    Csv,
    Ndjson,
    Parquet,
}

/// <summary>What a change does to its key. INSERT, UPDATE and UPSERT all upsert under event-time ordering.</summary>
internal enum ChangeKind
{
    Upsert,
    Insert,
    Update,
    Delete,
}

/// <summary>How a deleted key shows in history: its version closed, or a final version with <c>is_deleted = true</c>.</summary>
internal enum DeleteMode
{
    Close,
    TombstoneRow,
}

/// <summary>What a column a file brings and the definition lacks does.</summary>
internal enum SchemaEvolution
{
    /// <summary>Listed in load_history's unknown_columns, otherwise ignored.</summary>
    Ignore,

    /// <summary>Added as a nullable string attribute to raw, current and history, recorded in schema_change.</summary>
    Add,
}

/// <summary>A column of a table: a validated, lower-case name and its type.</summary>
internal sealed record Column(string Name, ColumnType Type)
{
    public string Quoted => Identifiers.Quote(Name);
}

/// <summary>CSV dialect of a table's files.</summary>
internal sealed record CsvOptions(char Delimiter = ',', char Quote = '"', bool Header = true, string Encoding = "utf-8")
{
    public static readonly CsvOptions Default = new();
}

/// <summary>The op column of a feed and how its values map onto change kinds (matched trimmed, ignoring case).</summary>
internal sealed record OpMapping(string Column, Dictionary<string, ChangeKind> Values)
{
    /// <summary>Today's customer contract: <c>op</c> with UPSERT, INSERT, UPDATE, DELETE, I, U, D.</summary>
    public static readonly OpMapping Standard = new("op", new Dictionary<string, ChangeKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["UPSERT"] = ChangeKind.Upsert,
        ["INSERT"] = ChangeKind.Insert,
        ["UPDATE"] = ChangeKind.Update,
        ["DELETE"] = ChangeKind.Delete,
        ["I"] = ChangeKind.Insert,
        ["U"] = ChangeKind.Update,
        ["D"] = ChangeKind.Delete,
    });

    /// <summary>The kind a file's value means; empty means UPSERT; null when the value is not in the mapping.</summary>
    public ChangeKind? Map(ReadOnlySpan<char> value)
    {
        var t = value.Trim();
        if (t.IsEmpty)
        {
            return ChangeKind.Upsert;
        }

        return Values.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(t, out var kind) ? kind : null;
    }

    /// <summary>The values a file may use, for messages.</summary>
    public string Described => string.Join(", ", Values.Keys);
}

/// <summary>The SCD options of one table (DESIGN.md §5).</summary>
internal sealed record ScdOptions(IReadOnlyList<string> TrackHistoryExcept, bool IgnoreNullUpdates, DeleteMode DeleteMode)
{
    public static readonly ScdOptions Default = new([], false, DeleteMode.Close);
}

/// <summary>
/// One table the pipeline keeps: its feed (format, columns, key, event time, op) and its three warehouse tables,
/// <c>{name}_raw</c> (the ledger), <c>{name}</c> (SCD1) and <c>{name}_history</c> (SCD2). Every name in it is validated
/// (<see cref="Identifiers"/>); the SQL built from it quotes them. The customer table of DESIGN.md §3 is
/// <see cref="Customer"/>, the definition in force when settings define no table.
/// </summary>
internal sealed class TableDefinition
{
    /// <summary>Columns the warehouse tables add; a definition may not use them.</summary>
    public static readonly IReadOnlySet<string> ReservedColumns = new HashSet<string>(StringComparer.Ordinal)
    {
        "update_timestamp", "start_time", "end_time", "is_current", "is_deleted", "table_name",
    };

    /// <summary>The pipeline's own tables; a table may not take their names (or make them as its _raw or _history).</summary>
    public static readonly IReadOnlySet<string> MetadataTables = new HashSet<string>(StringComparer.Ordinal)
    {
        "load_history", "load_rejects", "stream_offset", "task_run", "schema_change", "ledger_state", "load_claim", "quarantine",
        "load_attempt", "load_attempt_rejects",
    };

    public required string Name { get; init; }

    public FileFormat Format { get; init; } = FileFormat.Csv;

    public CsvOptions Csv { get; init; } = CsvOptions.Default;

    /// <summary>The business key, in key order: required and non-NULL in every row.</summary>
    public required IReadOnlyList<Column> Key { get; init; }

    /// <summary>Every other column of the table, in table order; any may be NULL.</summary>
    public required IReadOnlyList<Column> Attributes { get; init; }

    /// <summary>The feed's event-time column (sequences the changes); null: sequenced by load time and position.</summary>
    public string? EventTime { get; init; }

    /// <summary>The feed's op column and its values; null: every row is an UPSERT.</summary>
    public OpMapping? Op { get; init; }

    public ScdOptions Scd { get; init; } = ScdOptions.Default;

    /// <summary>
    /// The feed's columns in the order the definition wrote them, the event time and op columns included: how a CSV
    /// file without a header row is read.
    /// </summary>
    public IReadOnlyList<string> SourceOrder { get; init; } = [];

    /// <summary>A file's column name (lower case) to the definition's.</summary>
    public IReadOnlyDictionary<string, string> Rename { get; init; } = new Dictionary<string, string>();

    public SchemaEvolution SchemaEvolution { get; init; } = SchemaEvolution.Ignore;

    /// <summary>Whether files directly in landing/ belong to this table.</summary>
    public bool IsDefault { get; init; }

    public string RawTable => Name + "_raw";

    public string CurrentTable => Name;

    public string HistoryTable => Name + "_history";

    /// <summary>The name of this table's stream in stream_offset.</summary>
    public string StreamName => Name + "_raw_stream";

    /// <summary>The ledger's sequence column: the event-time column, or <c>_event_time</c> for a feed without one.</summary>
    public string SequenceColumn => EventTime ?? "_event_time";

    /// <summary>The ledger's op column (the canonical kind): the feed's op column, or <c>_op</c>.</summary>
    public string OpColumn => Op?.Column ?? "_op";

    /// <summary>The key then the attributes: every column the SCD tables hold besides their own.</summary>
    public IEnumerable<Column> Columns => Key.Concat(Attributes);

    /// <summary>The attributes whose changes open a new version.</summary>
    public IEnumerable<Column> Tracked => Attributes.Where(a => !IsUntracked(a));

    /// <summary>The attributes whose changes update the current version in place.</summary>
    public IEnumerable<Column> Untracked => Attributes.Where(IsUntracked);

    private bool IsUntracked(Column a) => Scd.TrackHistoryExcept.Any(n => n.Trim().Equals(a.Name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The customer table (DESIGN.md §3-§4): today's contract, the default when settings define no table.</summary>
    public static TableDefinition Customer(ScdOptions scd) => new()
    {
        Name = "customer",
        Key = [new Column(Contract.Columns.CustomerId, ColumnType.Int64)],
        Attributes = Contract.Columns.Attributes.Select(a => new Column(a, ColumnType.String)).ToArray(),
        EventTime = Contract.Columns.UpdatedAt,
        Op = OpMapping.Standard,
        Scd = scd,
        IsDefault = true,
        SourceOrder = [Contract.Columns.CustomerId, .. Contract.Columns.Attributes, Contract.Columns.UpdatedAt, Contract.Columns.Op],
    };

    /// <summary>
    /// This definition with <paramref name="added"/> after its attributes: the columns files brought under
    /// <c>SchemaEvolution: add</c>, which are part of the table from then on.
    /// </summary>
    public TableDefinition WithAttributes(IReadOnlyList<Column> added) => added.Count == 0 ? this : new()
    {
        Name = Name,
        Format = Format,
        Csv = Csv,
        Key = Key,
        Attributes = [.. Attributes, .. added],
        EventTime = EventTime,
        Op = Op,
        Scd = Scd,
        SourceOrder = SourceOrder,
        Rename = Rename,
        SchemaEvolution = SchemaEvolution,
        IsDefault = IsDefault,
    };

    public override string ToString() => Name;
}
