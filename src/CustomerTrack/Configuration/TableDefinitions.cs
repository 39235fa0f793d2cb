using CustomerTrack.Tables;

namespace CustomerTrack.Configuration;

/// <summary>
/// Turns the <c>Tables</c> section into checked definitions. Without the section the one table is
/// <see cref="TableDefinition.Customer"/>; with it, exactly the tables it names. Every error names the setting and what
/// it allows.
/// </summary>
internal static class TableDefinitions
{
    /// <summary>
    /// The tables in force. <paramref name="columnOrder"/> gives, per table, the order its columns were written in
    /// (configuration binding sorts keys); a table missing from it keeps the bound order. Given <paramref name="problems"/>,
    /// every problem of each table (and each problem between tables) is added there, and the tables that pass are returned.
    /// </summary>
    public static IReadOnlyList<TableDefinition> From(Settings settings, IReadOnlyDictionary<string, IReadOnlyList<string>>? columnOrder = null,
        ICollection<SettingsException>? problems = null)
    {
        var global = GlobalScd(settings.Scd);
        if (settings.Tables.Count == 0)
        {
            var customer = TableDefinition.Customer(global);
            var wrong = new List<SettingsException>();
            CheckTrackHistoryExcept("Scd:TrackHistoryExcept", customer.Attributes, customer.Scd.TrackHistoryExcept, wrong);
            Report(wrong, problems);
            return [customer];
        }

        var tables = new List<TableDefinition>();
        foreach (var (rawName, table) in settings.Tables.OrderBy(t => t.Key, StringComparer.OrdinalIgnoreCase))
        {
            var found = new List<SettingsException>();
            if (Define(rawName, table, global, columnOrder?.GetValueOrDefault(rawName), found) is { } definition)
            {
                tables.Add(definition);
            }

            Report(found, problems);
        }

        var defaults = tables.Where(t => t.IsDefault).Select(t => t.Name).ToArray();
        SettingsProblems.Check(problems, () =>
        {
            if (defaults.Length > 1)
            {
                throw new SettingsException("Tables", $"{string.Join(" and ", defaults)} are both marked Default; one table at most may be");
            }
        });

        // Every name a table makes (its tables, and its indexes on PostgreSQL, which share their namespace) is its own.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in tables)
        {
            foreach (var (made, what) in TableNames.Made(t.Name))
            {
                if (!names.TryAdd(made, t.Name))
                {
                    SettingsProblems.Check(problems, () => throw new SettingsException($"Tables:{t.Name}",
                        $"would make '{made}' ({what}), a name table {names[made]} makes too; rename one of them"));
                }
            }
        }

        return tables;
    }

    /// <summary>Start-up (no <paramref name="problems"/>) stops at the first of <paramref name="found"/>; check collects them all.</summary>
    private static void Report(List<SettingsException> found, ICollection<SettingsException>? problems)
    {
        if (found.Count > 0 && problems is null)
        {
            throw found[0];
        }

        foreach (var problem in found)
        {
            problems!.Add(problem);
        }
    }

    /// <summary>
    /// The table's mode and snapshot options, each problem added to <paramref name="found"/>: a snapshot's moment is its
    /// event time, so a snapshot table needs one.
    /// </summary>
    private static (TableMode, SnapshotOptions) Snapshot(string at, TableSettings t, IReadOnlyList<Column> columns, string? eventTime, List<SettingsException> found)
    {
        var mode = t.Mode?.Trim().ToLowerInvariant() switch
        {
            "changes" => TableMode.Changes,
            "snapshot" => TableMode.Snapshot,
            _ => (TableMode?)null,
        };
        if (mode is null)
        {
            found.Add(new SettingsException($"{at}:Mode", $"'{t.Mode}' is not allowed; use one of changes, snapshot"));
            return (TableMode.Changes, SnapshotOptions.Default);
        }

        if (mode == TableMode.Changes)
        {
            if (t.Snapshot is not null)
            {
                found.Add(new SettingsException($"{at}:Snapshot", "is set, but the table's Mode is changes; set \"Mode\": \"snapshot\" for it"));
            }

            return (TableMode.Changes, SnapshotOptions.Default);
        }

        if (eventTime is null)
        {
            found.Add(new SettingsException($"{at}:EventTime", "is not set; a snapshot table's moment is its event time, so name the column that carries it"));
        }

        var partition = new List<Column>();
        foreach (var p in t.Snapshot?.Partition ?? [])
        {
            var column = columns.FirstOrDefault(c => c.Name == p.Trim().ToLowerInvariant());
            if (column is null)
            {
                found.Add(new SettingsException($"{at}:Snapshot:Partition", $"'{p}' is not one of the table's Columns ({string.Join(", ", columns.Select(c => c.Name))})"));
            }
            else if (partition.Contains(column))
            {
                found.Add(new SettingsException($"{at}:Snapshot:Partition", $"names '{column.Name}' twice"));
            }
            else
            {
                partition.Add(column);
            }
        }

        var share = t.Snapshot?.MaxDeleteShare ?? SnapshotOptions.Default.MaxDeleteShare;
        if (!(share is >= 0 and <= 1))
        {
            found.Add(new SettingsException($"{at}:Snapshot:MaxDeleteShare", $"{share.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a share; use a number from 0 to 1 (1 turns the guard off)"));
        }

        return (TableMode.Snapshot, new SnapshotOptions(partition, share));
    }

    private static ScdOptions GlobalScd(ScdSettings scd) =>
        new(scd.TrackHistoryExcept, scd.IgnoreNullUpdates, ParseDeleteMode("Scd:DeleteMode", scd.DeleteMode));

    public static DeleteMode ParseDeleteMode(string setting, string? value) =>
        value is not null && ScdSettings.DeleteModes.TryGetValue(value, out var mode) ? mode
        : throw new SettingsException(setting, $"'{value}' is not allowed; use one of {string.Join(", ", ScdSettings.DeleteModes.Keys)}");

    /// <summary>
    /// A table's definition from its settings, or null with every problem of the table added to <paramref name="found"/>,
    /// one a setting (or a value of it) in the order start-up meets them. A check that depends on an earlier one that
    /// failed works on what passed (a column of an unknown type still counts as a column), so that one mistake is
    /// reported once, not again by every check after it.
    /// </summary>
    private static TableDefinition? Define(string rawName, TableSettings t, ScdOptions global, IReadOnlyList<string>? order, List<SettingsException> found)
    {
        var at = $"Tables:{rawName}";
        var before = found.Count;
        void Problem(string setting, string message) => found.Add(new SettingsException(setting, message));

        var name = rawName;
        try
        {
            name = Identifiers.Validate(rawName, "table");
            if (TableNames.Problem(name) is { } problem)
            {
                Problem(at, problem);
            }
        }
        catch (CustomerTrackException e)
        {
            Problem("Tables", e.Message);
        }

        FileFormat? format = t.Format?.Trim().ToLowerInvariant() switch
        {
            "csv" => FileFormat.Csv,
            "ndjson" or "jsonl" or "json" => FileFormat.Ndjson,
            "parquet" => FileFormat.Parquet,
            _ => null,
        };
        if (format is null)
        {
            Problem($"{at}:Format", $"'{t.Format}' is not allowed; use one of csv, ndjson, parquet");
        }

        if (t.Columns.Count == 0)
        {
            Problem($"{at}:Columns", "is empty; name every column with its type, e.g. { \"id\": \"int64\", \"name\": \"string\" }");
        }

        var columns = new List<Column>();
        var written = order is null
            ? t.Columns.Keys.ToList()
            : order.Where(t.Columns.ContainsKey).Concat(t.Columns.Keys.Where(k => !order.Contains(k, StringComparer.OrdinalIgnoreCase))).ToList();
        foreach (var name1 in written)
        {
            if (Name(name1, $"{at}:Columns", found) is not { } column)
            {
                continue;
            }

            if (TableDefinition.ReservedColumns.Contains(column))
            {
                Problem($"{at}:Columns", $"'{column}' is a column the warehouse tables add themselves; rename it (Rename maps the file's name)");
            }

            var type = ColumnType.TryParse(t.Columns[name1]);
            if (type is null)
            {
                Problem($"{at}:Columns:{name1}", $"'{t.Columns[name1]}' is not a type; use one of {ColumnType.Allowed}");
            }

            if (columns.Any(c => c.Name == column))
            {
                Problem($"{at}:Columns", $"names '{column}' twice");
                continue;
            }

            // A column of an unknown type is still the table's: the checks that name it do not report it again.
            columns.Add(new Column(column, type ?? ColumnType.String));
        }

        if (t.Key.Length == 0)
        {
            Problem($"{at}:Key", "is empty; name the column(s) that identify a row, e.g. [\"id\"]");
        }

        var key = new List<Column>();
        foreach (var k in t.Key)
        {
            if (Name(k, $"{at}:Key", found) is not { } n)
            {
                continue;
            }

            var column = columns.FirstOrDefault(c => c.Name == n);
            if (column is null)
            {
                Problem($"{at}:Key", $"'{k}' is not one of the table's Columns ({string.Join(", ", columns.Select(c => c.Name))})");
            }
            else if (key.Contains(column))
            {
                Problem($"{at}:Key", $"names '{n}' twice");
            }
            else
            {
                key.Add(column);
            }
        }

        string? eventTime = null;
        if (!string.IsNullOrWhiteSpace(t.EventTime) && Name(t.EventTime, $"{at}:EventTime", found) is { } named)
        {
            eventTime = named;
            var column = columns.FirstOrDefault(c => c.Name == eventTime);
            if (column is not null && column.Type.Kind != ColumnKind.Timestamp)
            {
                Problem($"{at}:EventTime", $"'{eventTime}' is a {column.Type} column; the event time is a timestamp (leave it out of Columns, or type it timestamp)");
            }

            if (key.Any(k => k.Name == eventTime))
            {
                Problem($"{at}:EventTime", $"'{eventTime}' is part of the key; the event time sequences a key's changes");
            }

            columns.RemoveAll(c => c.Name == eventTime);
        }

        var eventTimeFormat = Contract.EventTimeFormat.Of(t.EventTimeFormat);
        if (eventTimeFormat is null)
        {
            Problem($"{at}:EventTimeFormat", $"'{t.EventTimeFormat}' is not allowed; use iso8601, epoch_s, epoch_ms or a .NET date and time pattern such as dd.MM.yyyy HH:mm:ss");
        }
        else if (eventTime is null && string.IsNullOrWhiteSpace(t.EventTime) && eventTimeFormat != Contract.EventTimeFormat.Iso8601)
        {
            Problem($"{at}:EventTimeFormat", "is set, but the table has no EventTime column to read with it");
        }

        OpMapping? op = null;
        if (t.Op is not null && !string.IsNullOrWhiteSpace(t.Op.Column))
        {
            var opColumn = Name(t.Op.Column, $"{at}:Op:Column", found);
            if (opColumn is not null && (key.Any(k => k.Name == opColumn) || opColumn == eventTime))
            {
                Problem($"{at}:Op:Column", $"'{opColumn}' is the key or the event time; the op column is a column of its own");
            }

            columns.RemoveAll(c => c.Name == opColumn);
            var values = new Dictionary<string, ChangeKind>(StringComparer.OrdinalIgnoreCase);
            if (t.Op.Values.Count == 0)
            {
                foreach (var (k, v) in OpMapping.Standard.Values)
                {
                    values[k] = v;
                }
            }

            foreach (var (value, kind) in t.Op.Values)
            {
                // An empty op is always UPSERT (README, "Defining a table"): a mapping for it would never apply.
                if (value.Trim().Length == 0)
                {
                    Problem($"{at}:Op:Values", $"maps an empty value to {kind}; an empty or missing op is always an UPSERT, so map the values the files write");
                    continue;
                }

                ChangeKind? change = kind.Trim().ToUpperInvariant() switch
                {
                    "UPSERT" => ChangeKind.Upsert,
                    "INSERT" => ChangeKind.Insert,
                    "UPDATE" => ChangeKind.Update,
                    "DELETE" => ChangeKind.Delete,
                    _ => null,
                };
                if (change is null)
                {
                    Problem($"{at}:Op:Values:{value}", $"'{kind}' is not allowed; use one of INSERT, UPDATE, UPSERT, DELETE");
                    continue;
                }

                values[value.Trim()] = change.Value;
            }

            op = opColumn is null ? null : new OpMapping(opColumn, values);
        }
        else if (t.Op is not null && t.Op.Values.Count > 0)
        {
            Problem($"{at}:Op:Column", "is empty; Op:Values needs the column they are read from");
        }

        var attributes = columns.Where(c => !key.Contains(c)).ToList();
        if (columns.Count > TableDefinition.MaxColumns)
        {
            Problem($"{at}:Columns", $"names {columns.Count} columns besides the event time and op; a table has at most {TableDefinition.MaxColumns}");
        }

        var deleteMode = global.DeleteMode;
        if (t.Scd?.DeleteMode is { } mode)
        {
            try
            {
                deleteMode = ParseDeleteMode($"{at}:Scd:DeleteMode", mode);
            }
            catch (SettingsException e)
            {
                found.Add(e);
            }
        }

        var scd = new ScdOptions(t.Scd?.TrackHistoryExcept ?? global.TrackHistoryExcept, t.Scd?.IgnoreNullUpdates ?? global.IgnoreNullUpdates, deleteMode);

        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (from, to) in t.Rename)
        {
            if (Name(to, $"{at}:Rename:{from}", found) is not { } target)
            {
                continue;
            }

            if (!attributes.Concat(key).Any(c => c.Name == target) && target != eventTime && target != op?.Column)
            {
                Problem($"{at}:Rename:{from}", $"'{to}' is not a column of the table");
                continue;
            }

            rename[from.Trim().ToLowerInvariant()] = target;
        }

        var (tableMode, snapshot) = Snapshot(at, t, columns, eventTime, found);
        var csv = format == FileFormat.Csv ? Csv(at, t, found) : CsvOptions.Default;
        SchemaEvolution? evolution = t.SchemaEvolution?.Trim().ToLowerInvariant() switch
        {
            "ignore" => SchemaEvolution.Ignore,
            "add" => SchemaEvolution.Add,
            _ => null,
        };
        if (evolution is null)
        {
            Problem($"{at}:SchemaEvolution", $"'{t.SchemaEvolution}' is not allowed; use one of ignore, add");
        }

        var scdSetting = t.Scd?.TrackHistoryExcept is null ? "Scd:TrackHistoryExcept" : $"{at}:Scd:TrackHistoryExcept";
        CheckTrackHistoryExcept(scdSetting, attributes, scd.TrackHistoryExcept, found);
        if (found.Count > before)
        {
            return null;
        }

        return new TableDefinition
        {
            Name = name,
            Format = format!.Value,
            Csv = csv,
            Key = key,
            Attributes = attributes,
            EventTime = eventTime,
            EventTimeFormat = eventTimeFormat!,
            Op = op,
            Scd = scd,
            Mode = tableMode,
            Snapshot = snapshot,
            Rename = rename,
            SchemaEvolution = evolution!.Value,
            IsDefault = t.Default,
            SourceOrder = written.Select(w => w.Trim().ToLowerInvariant())
                .Concat(new[] { eventTime, op?.Column }.OfType<string>())
                .Distinct().ToArray(),
        };
    }

    /// <summary>Each name in <paramref name="names"/> that is not one of <paramref name="attributes"/>, a problem of its own.</summary>
    private static void CheckTrackHistoryExcept(string setting, IReadOnlyList<Column> attributes, IReadOnlyList<string> names, List<SettingsException> found) =>
        found.AddRange(names.Where(n => !attributes.Any(a => a.Name.Equals(n.Trim(), StringComparison.OrdinalIgnoreCase)))
            .Select(n => new SettingsException(setting, $"'{n}' is not allowed; use one of {string.Join(", ", attributes.Select(a => a.Name))}")));

    /// <summary>The CSV dialect, each problem added to <paramref name="found"/> (a later check uses the default for an earlier one that failed).</summary>
    private static CsvOptions Csv(string at, TableSettings t, List<SettingsException> found)
    {
        var delimiter = t.Delimiter == "\\t" ? "\t" : t.Delimiter;
        if (delimiter is not { Length: 1 } || delimiter[0] is '\n' or '\r')
        {
            found.Add(new SettingsException($"{at}:Delimiter", $"'{t.Delimiter}' is not one character (write a tab as \\t)"));
            delimiter = CsvOptions.Default.Delimiter.ToString();
        }

        // The reader (Load/CsvRows) quotes with any one character that cannot also end a field or a line; an empty
        // Quote turns quoting off.
        var quote = t.Quote;
        if (quote is not { Length: <= 1 } || quote is ['\n' or '\r' or '\0'] || quote == delimiter)
        {
            found.Add(new SettingsException($"{at}:Quote",
                $"'{t.Quote?.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)}' is not allowed; use one character other than the delimiter and a line break (\" by default), or \"\" for no quoting"));
            quote = "\"";
        }

        var encoding = t.Encoding?.Trim().ToLowerInvariant() switch
        {
            "utf-8" or "utf8" => "utf-8",
            "latin-1" or "latin1" or "iso-8859-1" => "latin-1",
            _ => null,
        };
        if (encoding is null)
        {
            found.Add(new SettingsException($"{at}:Encoding", $"'{t.Encoding}' is not allowed; use one of utf-8, latin-1"));
        }

        char? decimalSeparator = (t.DecimalSeparator ?? ".") switch
        {
            "." => '.',
            "," => ',',
            _ => null,
        };
        if (decimalSeparator is null)
        {
            found.Add(new SettingsException($"{at}:DecimalSeparator", $"'{t.DecimalSeparator}' is not allowed; use . or ,"));
        }

        var thousands = t.ThousandsSeparator ?? "";
        if (thousands.Length > 1 || (thousands.Length == 1 && (thousands[0] == (decimalSeparator ?? '.') || char.IsAsciiDigit(thousands[0])
            || thousands[0] is '+' or '-' or 'e' or 'E' or '\n' or '\r' || thousands == quote)))
        {
            found.Add(new SettingsException($"{at}:ThousandsSeparator",
                $"'{thousands}' is not allowed; use one character other than the DecimalSeparator, the Quote, a digit or a sign (. , ' or a space), or \"\" for none"));
            thousands = "";
        }

        var dates = Pattern($"{at}:DateFormat", t.DateFormat, timestamp: false, found);
        var timestamps = Pattern($"{at}:TimestampFormat", t.TimestampFormat, timestamp: true, found);
        return new CsvOptions(delimiter[0], quote.Length == 0 ? '\0' : quote[0], t.Header, encoding ?? "utf-8",
            decimalSeparator ?? '.', thousands.Length == 0 ? '\0' : thousands[0], dates, timestamps);
    }

    /// <summary>A date or timestamp pattern that writes and reads back a value whole, or null (ISO 8601) when empty or, added to <paramref name="found"/>, not one.</summary>
    private static string? Pattern(string setting, string? pattern, bool timestamp, List<SettingsException> found)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return null;
        }

        if (!Formats.CsvValueText.RoundTrips(pattern, timestamp))
        {
            found.Add(new SettingsException(setting, timestamp
                ? $"'{pattern}' is not a .NET custom date and time pattern that holds a date and a time (like dd.MM.yyyy HH:mm:ss); leave it empty for ISO 8601"
                : $"'{pattern}' is not a .NET custom date pattern that holds a whole date (like dd.MM.yyyy or MM/dd/yyyy); leave it empty for ISO 8601"));
            return null;
        }

        return pattern;
    }

    /// <summary>A valid column name, or null with its problem added to <paramref name="found"/>.</summary>
    private static string? Name(string text, string setting, List<SettingsException> found)
    {
        try
        {
            return Identifiers.Validate(text, "column");
        }
        catch (CustomerTrackException e) when (e is not SettingsException)
        {
            found.Add(new SettingsException(setting, e.Message));
            return null;
        }
    }
}
