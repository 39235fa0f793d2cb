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
    /// each table's first problem (and each problem between tables) is added there, and the tables that pass are returned.
    /// </summary>
    public static IReadOnlyList<TableDefinition> From(Settings settings, IReadOnlyDictionary<string, IReadOnlyList<string>>? columnOrder = null,
        ICollection<SettingsException>? problems = null)
    {
        var global = GlobalScd(settings.Scd);
        if (settings.Tables.Count == 0)
        {
            var customer = TableDefinition.Customer(global);
            SettingsProblems.Check(problems, () => CheckTrackHistoryExcept("Scd:TrackHistoryExcept", customer, customer.Scd.TrackHistoryExcept));
            return [customer];
        }

        var tables = new List<TableDefinition>();
        foreach (var (rawName, table) in settings.Tables.OrderBy(t => t.Key, StringComparer.OrdinalIgnoreCase))
        {
            var order = columnOrder?.GetValueOrDefault(rawName);
            SettingsProblems.Check(problems, () => tables.Add(Define(rawName, table, global, order)));
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

    /// <summary>The table's mode and snapshot options: a snapshot's moment is its event time, so a snapshot table needs one.</summary>
    private static (TableMode, SnapshotOptions) Snapshot(string at, TableSettings t, IReadOnlyList<Column> columns, string? eventTime)
    {
        var mode = t.Mode?.Trim().ToLowerInvariant() switch
        {
            "changes" => TableMode.Changes,
            "snapshot" => TableMode.Snapshot,
            _ => throw new SettingsException($"{at}:Mode", $"'{t.Mode}' is not allowed; use one of changes, snapshot"),
        };
        if (mode == TableMode.Changes)
        {
            return t.Snapshot is null ? (mode, SnapshotOptions.Default)
                : throw new SettingsException($"{at}:Snapshot", "is set, but the table's Mode is changes; set \"Mode\": \"snapshot\" for it");
        }

        if (eventTime is null)
        {
            throw new SettingsException($"{at}:EventTime", "is not set; a snapshot table's moment is its event time, so name the column that carries it");
        }

        var partition = new List<Column>();
        foreach (var p in t.Snapshot?.Partition ?? [])
        {
            var column = columns.FirstOrDefault(c => c.Name == p.Trim().ToLowerInvariant())
                ?? throw new SettingsException($"{at}:Snapshot:Partition", $"'{p}' is not one of the table's Columns ({string.Join(", ", columns.Select(c => c.Name))})");
            if (partition.Contains(column))
            {
                throw new SettingsException($"{at}:Snapshot:Partition", $"names '{column.Name}' twice");
            }

            partition.Add(column);
        }

        var share = t.Snapshot?.MaxDeleteShare ?? SnapshotOptions.Default.MaxDeleteShare;
        if (!(share is >= 0 and <= 1))
        {
            throw new SettingsException($"{at}:Snapshot:MaxDeleteShare", $"{share.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a share; use a number from 0 to 1 (1 turns the guard off)");
        }

        return (mode, new SnapshotOptions(partition, share));
    }

    private static ScdOptions GlobalScd(ScdSettings scd) =>
        new(scd.TrackHistoryExcept, scd.IgnoreNullUpdates, ParseDeleteMode("Scd:DeleteMode", scd.DeleteMode));

    public static DeleteMode ParseDeleteMode(string setting, string? value) =>
        value is not null && ScdSettings.DeleteModes.TryGetValue(value, out var mode) ? mode
        : throw new SettingsException(setting, $"'{value}' is not allowed; use one of {string.Join(", ", ScdSettings.DeleteModes.Keys)}");

    private static TableDefinition Define(string rawName, TableSettings t, ScdOptions global, IReadOnlyList<string>? order)
    {
        var at = $"Tables:{rawName}";
        string name;
        try
        {
            name = Identifiers.Validate(rawName, "table");
        }
        catch (CustomerTrackException e)
        {
            throw new SettingsException("Tables", e.Message);
        }

        if (TableNames.Problem(name) is { } problem)
        {
            throw new SettingsException(at, problem);
        }

        var format = t.Format?.Trim().ToLowerInvariant() switch
        {
            "csv" => FileFormat.Csv,
            "ndjson" or "jsonl" or "json" => FileFormat.Ndjson,
            "parquet" => FileFormat.Parquet,
            _ => throw new SettingsException($"{at}:Format", $"'{t.Format}' is not allowed; use one of csv, ndjson, parquet"),
        };

        if (t.Columns.Count == 0)
        {
            throw new SettingsException($"{at}:Columns", "is empty; name every column with its type, e.g. { \"id\": \"int64\", \"name\": \"string\" }");
        }

        var columns = new List<Column>();
        var written = order is null
            ? t.Columns.Keys.ToList()
            : order.Where(t.Columns.ContainsKey).Concat(t.Columns.Keys.Where(k => !order.Contains(k, StringComparer.OrdinalIgnoreCase))).ToList();
        foreach (var name1 in written)
        {
            var column = Name(name1, $"{at}:Columns");
            if (TableDefinition.ReservedColumns.Contains(column))
            {
                throw new SettingsException($"{at}:Columns", $"'{column}' is a column the warehouse tables add themselves; rename it (Rename maps the file's name)");
            }

            var type = ColumnType.TryParse(t.Columns[name1])
                ?? throw new SettingsException($"{at}:Columns:{name1}", $"'{t.Columns[name1]}' is not a type; use one of {ColumnType.Allowed}");
            if (columns.Any(c => c.Name == column))
            {
                throw new SettingsException($"{at}:Columns", $"names '{column}' twice");
            }

            columns.Add(new Column(column, type));
        }

        if (t.Key.Length == 0)
        {
            throw new SettingsException($"{at}:Key", "is empty; name the column(s) that identify a row, e.g. [\"id\"]");
        }

        var key = new List<Column>();
        foreach (var k in t.Key)
        {
            var n = Name(k, $"{at}:Key");
            var column = columns.FirstOrDefault(c => c.Name == n)
                ?? throw new SettingsException($"{at}:Key", $"'{k}' is not one of the table's Columns ({string.Join(", ", columns.Select(c => c.Name))})");
            if (key.Contains(column))
            {
                throw new SettingsException($"{at}:Key", $"names '{n}' twice");
            }

            key.Add(column);
        }

        string? eventTime = null;
        if (!string.IsNullOrWhiteSpace(t.EventTime))
        {
            eventTime = Name(t.EventTime, $"{at}:EventTime");
            var column = columns.FirstOrDefault(c => c.Name == eventTime);
            if (column is not null && column.Type.Kind != ColumnKind.Timestamp)
            {
                throw new SettingsException($"{at}:EventTime", $"'{eventTime}' is a {column.Type} column; the event time is a timestamp (leave it out of Columns, or type it timestamp)");
            }

            if (key.Any(k => k.Name == eventTime))
            {
                throw new SettingsException($"{at}:EventTime", $"'{eventTime}' is part of the key; the event time sequences a key's changes");
            }

            columns.RemoveAll(c => c.Name == eventTime);
        }

        var eventTimeFormat = Contract.EventTimeFormat.Of(t.EventTimeFormat)
            ?? throw new SettingsException($"{at}:EventTimeFormat", $"'{t.EventTimeFormat}' is not allowed; use iso8601, epoch_s, epoch_ms or a .NET date and time pattern such as dd.MM.yyyy HH:mm:ss");
        if (eventTime is null && eventTimeFormat != Contract.EventTimeFormat.Iso8601)
        {
            throw new SettingsException($"{at}:EventTimeFormat", "is set, but the table has no EventTime column to read with it");
        }

        OpMapping? op = null;
        if (t.Op is not null && !string.IsNullOrWhiteSpace(t.Op.Column))
        {
            var opColumn = Name(t.Op.Column, $"{at}:Op:Column");
            if (key.Any(k => k.Name == opColumn) || opColumn == eventTime)
            {
                throw new SettingsException($"{at}:Op:Column", $"'{opColumn}' is the key or the event time; the op column is a column of its own");
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
                    throw new SettingsException($"{at}:Op:Values", $"maps an empty value to {kind}; an empty or missing op is always an UPSERT, so map the values the files write");
                }

                values[value.Trim()] = kind.Trim().ToUpperInvariant() switch
                {
                    "UPSERT" => ChangeKind.Upsert,
                    "INSERT" => ChangeKind.Insert,
                    "UPDATE" => ChangeKind.Update,
                    "DELETE" => ChangeKind.Delete,
                    _ => throw new SettingsException($"{at}:Op:Values:{value}", $"'{kind}' is not allowed; use one of INSERT, UPDATE, UPSERT, DELETE"),
                };
            }

            op = new OpMapping(opColumn, values);
        }
        else if (t.Op is not null && t.Op.Values.Count > 0)
        {
            throw new SettingsException($"{at}:Op:Column", "is empty; Op:Values needs the column they are read from");
        }

        var attributes = columns.Where(c => !key.Contains(c)).ToList();
        if (columns.Count > TableDefinition.MaxColumns)
        {
            throw new SettingsException($"{at}:Columns", $"names {columns.Count} columns besides the event time and op; a table has at most {TableDefinition.MaxColumns}");
        }

        var scd = new ScdOptions(
            t.Scd?.TrackHistoryExcept ?? global.TrackHistoryExcept,
            t.Scd?.IgnoreNullUpdates ?? global.IgnoreNullUpdates,
            t.Scd?.DeleteMode is { } mode ? ParseDeleteMode($"{at}:Scd:DeleteMode", mode) : global.DeleteMode);

        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (from, to) in t.Rename)
        {
            var target = Name(to, $"{at}:Rename:{from}");
            if (!attributes.Concat(key).Any(c => c.Name == target) && target != eventTime && target != op?.Column)
            {
                throw new SettingsException($"{at}:Rename:{from}", $"'{to}' is not a column of the table");
            }

            rename[from.Trim().ToLowerInvariant()] = target;
        }

        var (tableMode, snapshot) = Snapshot(at, t, columns, eventTime);
        var definition = new TableDefinition
        {
            Name = name,
            Format = format,
            Csv = format == FileFormat.Csv ? Csv(at, t) : CsvOptions.Default,
            Key = key,
            Attributes = attributes,
            EventTime = eventTime,
            EventTimeFormat = eventTimeFormat,
            Op = op,
            Scd = scd,
            Mode = tableMode,
            Snapshot = snapshot,
            Rename = rename,
            SchemaEvolution = t.SchemaEvolution?.Trim().ToLowerInvariant() switch
            {
                "ignore" => SchemaEvolution.Ignore,
                "add" => SchemaEvolution.Add,
                _ => throw new SettingsException($"{at}:SchemaEvolution", $"'{t.SchemaEvolution}' is not allowed; use one of ignore, add"),
            },
            IsDefault = t.Default,
            SourceOrder = written.Select(w => w.Trim().ToLowerInvariant())
                .Concat(new[] { eventTime, op?.Column }.OfType<string>())
                .Distinct().ToArray(),
        };
        var scdSetting = t.Scd?.TrackHistoryExcept is null ? "Scd:TrackHistoryExcept" : $"{at}:Scd:TrackHistoryExcept";
        CheckTrackHistoryExcept(scdSetting, definition, scd.TrackHistoryExcept);
        return definition;
    }

    private static void CheckTrackHistoryExcept(string setting, TableDefinition table, IReadOnlyList<string> names)
    {
        foreach (var n in names)
        {
            if (!table.Attributes.Any(a => a.Name.Equals(n.Trim(), StringComparison.OrdinalIgnoreCase)))
            {
                throw new SettingsException(setting, $"'{n}' is not allowed; use one of {string.Join(", ", table.Attributes.Select(a => a.Name))}");
            }
        }
    }

    private static CsvOptions Csv(string at, TableSettings t)
    {
        var delimiter = t.Delimiter == "\\t" ? "\t" : t.Delimiter;
        if (delimiter is not { Length: 1 } || delimiter[0] is '\n' or '\r')
        {
            throw new SettingsException($"{at}:Delimiter", $"'{t.Delimiter}' is not one character (write a tab as \\t)");
        }

        // The reader (Load/CsvRows) quotes with any one character that cannot also end a field or a line; an empty
        // Quote turns quoting off.
        if (t.Quote is not { Length: <= 1 } || t.Quote is ['\n' or '\r' or '\0'] || t.Quote == delimiter)
        {
            throw new SettingsException($"{at}:Quote",
                $"'{t.Quote?.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)}' is not allowed; use one character other than the delimiter and a line break (\" by default), or \"\" for no quoting");
        }

        var encoding = t.Encoding?.Trim().ToLowerInvariant() switch
        {
            "utf-8" or "utf8" => "utf-8",
            "latin-1" or "latin1" or "iso-8859-1" => "latin-1",
            _ => throw new SettingsException($"{at}:Encoding", $"'{t.Encoding}' is not allowed; use one of utf-8, latin-1"),
        };
        var decimalSeparator = (t.DecimalSeparator ?? ".") switch
        {
            "." => '.',
            "," => ',',
            _ => throw new SettingsException($"{at}:DecimalSeparator", $"'{t.DecimalSeparator}' is not allowed; use . or ,"),
        };
        var thousands = t.ThousandsSeparator ?? "";
        if (thousands.Length > 1 || (thousands.Length == 1 && (thousands[0] == decimalSeparator || char.IsAsciiDigit(thousands[0])
            || thousands[0] is '+' or '-' or 'e' or 'E' or '\n' or '\r' || thousands == t.Quote)))
        {
            throw new SettingsException($"{at}:ThousandsSeparator",
                $"'{thousands}' is not allowed; use one character other than the DecimalSeparator, the Quote, a digit or a sign (. , ' or a space), or \"\" for none");
        }

        return new CsvOptions(delimiter[0], t.Quote.Length == 0 ? '\0' : t.Quote[0], t.Header, encoding,
            decimalSeparator, thousands.Length == 0 ? '\0' : thousands[0],
            Pattern($"{at}:DateFormat", t.DateFormat, timestamp: false), Pattern($"{at}:TimestampFormat", t.TimestampFormat, timestamp: true));
    }

    /// <summary>A date or timestamp pattern that writes and reads back a value whole, or null (ISO 8601) when empty.</summary>
    private static string? Pattern(string setting, string? pattern, bool timestamp)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return null;
        }

        if (!Formats.CsvValueText.RoundTrips(pattern, timestamp))
        {
            throw new SettingsException(setting, timestamp
                ? $"'{pattern}' is not a .NET custom date and time pattern that holds a date and a time (like dd.MM.yyyy HH:mm:ss); leave it empty for ISO 8601"
                : $"'{pattern}' is not a .NET custom date pattern that holds a whole date (like dd.MM.yyyy or MM/dd/yyyy); leave it empty for ISO 8601");
        }

        return pattern;
    }

    private static string Name(string text, string setting)
    {
        try
        {
            return Identifiers.Validate(text, "column");
        }
        catch (CustomerTrackException e) when (e is not SettingsException)
        {
            throw new SettingsException(setting, e.Message);
        }
    }
}
