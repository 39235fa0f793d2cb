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

/// <summary>What a table's files are: changes to keys, or full extracts of the table (docs/semantics.md, rule 16).</summary>
internal enum TableMode
{
    Changes,
    Snapshot,
}

/// <summary>
/// How a snapshot table's files are applied: <paramref name="Partition"/> the columns whose values name the partitions a
/// file holds whole (none: every file is the whole table), <paramref name="MaxDeleteShare"/> the share of the covered
/// partitions' live keys a snapshot may delete before it is set aside as a truncated extract.
/// </summary>
internal sealed record SnapshotOptions(IReadOnlyList<Column> Partition, double MaxDeleteShare)
{
    public static readonly SnapshotOptions Default = new([], 0.5);
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

/// <summary>
/// CSV dialect of a table's files, and how its numbers, dates and timestamps are written (<see cref="Formats.CsvValueText"/>
/// turns them into the shared typing's form): <paramref name="DecimalSeparator"/> <c>.</c> or <c>,</c>,
/// <paramref name="ThousandsSeparator"/> none (<c>\0</c>) or one character, <paramref name="DateFormat"/> and
/// <paramref name="TimestampFormat"/> a .NET custom pattern or null for ISO 8601.
/// </summary>
internal sealed record CsvOptions(char Delimiter = ',', char Quote = '"', bool Header = true, string Encoding = "utf-8",
    char DecimalSeparator = '.', char ThousandsSeparator = '\0', string? DateFormat = null, string? TimestampFormat = null)
{
    public static readonly CsvOptions Default = new();

    /// <summary>Whether values are written as the shared typing reads them already (ISO 8601, a decimal point, no grouping).</summary>
    public bool Invariant => DecimalSeparator == '.' && ThousandsSeparator == '\0' && DateFormat is null && TimestampFormat is null;
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

/// <summary>The SCD options of one table (docs/semantics.md).</summary>
internal sealed record ScdOptions(IReadOnlyList<string> TrackHistoryExcept, bool IgnoreNullUpdates, DeleteMode DeleteMode)
{
    public static readonly ScdOptions Default = new([], false, DeleteMode.Close);
}

/// <summary>
/// One table the pipeline keeps: its feed (format, columns, key, event time, op) and its three warehouse tables,
/// <c>{name}_raw</c> (the ledger), <c>{name}</c> (SCD1) and <c>{name}_history</c> (SCD2). Every name in it is validated
/// (<see cref="Identifiers"/>); the SQL built from it quotes them. The customer table of the README's "Input files" is
/// <see cref="Customer"/>, the definition in force when settings define no table.
/// </summary>
internal sealed class TableDefinition
{
    /// <summary>Columns the warehouse tables add; a definition may not use them.</summary>
    public static readonly IReadOnlySet<string> ReservedColumns = new HashSet<string>(StringComparer.Ordinal)
    {
        "update_timestamp", "start_time", "end_time", "is_current", "is_deleted", "table_name",
    };

    /// <summary>
    /// The most columns (key and attributes, the ones files bring under <c>SchemaEvolution: add</c> included) a table may
    /// have. Its ledger adds 7 and its history 4, well inside PostgreSQL's 1,600 a table; and the task, which reads and
    /// compares every column of a batch, stays within memory on DuckDB (a file adding 1,000 columns made it fail for
    /// ever). A definition past it is refused at start-up; a file that would take a table past it is LOAD_FAILED.
    /// </summary>
    public const int MaxColumns = 400;

    public required string Name { get; init; }

    public FileFormat Format { get; init; } = FileFormat.Csv;

    public CsvOptions Csv { get; init; } = CsvOptions.Default;

    /// <summary>The business key, in key order: required and non-NULL in every row.</summary>
    public required IReadOnlyList<Column> Key { get; init; }

    /// <summary>Every other column of the table, in table order; any may be NULL.</summary>
    public required IReadOnlyList<Column> Attributes { get; init; }

    /// <summary>The feed's event-time column (sequences the changes); null: sequenced by load time and position.</summary>
    public string? EventTime { get; init; }

    /// <summary>How the event-time column is written (<c>EventTimeFormat</c>): ISO 8601 unless the table says otherwise.</summary>
    public Contract.EventTimeFormat EventTimeFormat { get; init; } = Contract.EventTimeFormat.Iso8601;

    /// <summary>The feed's op column and its values; null: every row is an UPSERT.</summary>
    public OpMapping? Op { get; init; }

    public ScdOptions Scd { get; init; } = ScdOptions.Default;

    /// <summary>Whether a file holds changes or a snapshot of the whole table (or of whole partitions).</summary>
    public TableMode Mode { get; init; } = TableMode.Changes;

    /// <summary>How snapshots are applied; used only when <see cref="Mode"/> is <see cref="TableMode.Snapshot"/>.</summary>
    public SnapshotOptions Snapshot { get; init; } = SnapshotOptions.Default;

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

    public string RawTable => TableNames.RawTable(Name);

    public string CurrentTable => Name;

    public string HistoryTable => TableNames.HistoryTable(Name);

    /// <summary>
    /// The task's keyed state: one row a key ever applied, with its current version's start, its latest change and
    /// whether it is deleted. It starts with an underscore, which no definition's name may, so it never meets a user's table.
    /// </summary>
    public string StateTable => "_" + Name + "_state";

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

    /// <summary>The customer table's name.</summary>
    public const string CustomerName = "customer";

    /// <summary>
    /// What <paramref name="table"/>'s keys are called in text people read (progress lines, summaries, status): customers
    /// for the customer table, keys for any other. Text about another table names that table.
    /// </summary>
    public static string KeysWord(string table) => table == CustomerName ? "customers" : "keys";

    /// <summary>The customer table (README, "Input files" and "Tables"): today's contract, the default when settings define no table.</summary>
    public static TableDefinition Customer(ScdOptions scd) => new()
    {
        Name = CustomerName,
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
        EventTimeFormat = EventTimeFormat,
        Op = Op,
        Scd = Scd,
        Mode = Mode,
        Snapshot = Snapshot,
        SourceOrder = SourceOrder,
        Rename = Rename,
        SchemaEvolution = SchemaEvolution,
        IsDefault = IsDefault,
    };

    public override string ToString() => Name;
}
