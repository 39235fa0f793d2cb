using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse.DuckDb;

namespace CustomerTrack.Init;

/// <summary>What <c>init --from</c> was asked: the sample, and the choices the person made (null: infer).</summary>
internal sealed record InitRequest(string From, string? Table = null, IReadOnlyList<string>? Key = null, string? EventTime = null, bool Force = false, bool Snapshot = false);

/// <summary>A definition inferred from a sample: its name, its <c>Tables</c> entry, and what was chosen and why.</summary>
/// <remarks>
/// <paramref name="Sample"/> is the sample's full path (init loads it through the definition), and
/// <paramref name="EventTimeAsked"/> whether the event time was the person's choice (then never dropped by the check).
/// </remarks>
internal sealed record InferredTable(string Name, JsonObject Entry, List<string> Notes, string Sample, bool EventTimeAsked);

/// <summary>
/// Infers a table definition from a sample file. DuckDB does the reading (<see cref="DuckDbFiles"/>); this class only
/// maps what it found onto a definition: types, names, the key, the event time and the op column.
/// </summary>
internal static class TableInference
{
    private static readonly string[] EventTimeNames = ["updated_at", "changed_at", "modified_at", "event_time", "ts"];
    private static readonly string[] OpNames = ["op", "kind", "operation", "change_type"];
    private const int MaxOpValues = 8;

    /// <summary>The most a sample's field may hold when init reads it (Load:MaxFieldBytes's default).</summary>
    internal const int MaxFieldBytes = 1 << 20;

    public static InferredTable Infer(InitRequest request)
    {
        var path = Path.GetFullPath(request.From);
        if (!File.Exists(path))
        {
            throw new CustomerTrackException($"--from {request.From}: no such file");
        }

        var format = DetectFormat(path);
        var file = DuckDbFiles.Sniff(path, format);
        if (file.Columns.Count == 0)
        {
            throw new CustomerTrackException($"{request.From} has no columns DuckDB could find");
        }

        var name = request.Table is { } given ? Identifiers.Validate(given, "--table") : SampleNames.TableFromFile(path);
        if (TableNames.Problem(name) is { } problem)
        {
            throw new CustomerTrackException(request.Table is null
                ? $"{problem} (the name comes from the file's); pass --table NAME to name it"
                : $"--table {request.Table}: {problem}");
        }
        var types = file.Columns.Select(c => DuckTypes.Map(c.DuckType)).ToArray();
        var notes = new List<string>();
        SampleLocale? locale = null;

        // The names the reader will match: a CSV header as CustomerTrack's reader splits it (DuckDB makes a repeated name
        // unique, name and name_1, where the reader sees the name twice), else DuckDB's.
        var source = file.Columns.Select(c => c.Name).ToArray();
        if (format == FileFormat.Csv)
        {
            // DuckDB's types are its reading; the definition's must be CustomerTrack's reader's (1.250 with ';' is 1250).
            var (header, values) = SampleTyping.Values(path, file, MaxFieldBytes);
            locale = SampleTyping.Guess(values, types, file.Csv.Delimiter, notes);
            if (header is not null && header.Length == source.Length)
            {
                source = header;
            }
        }

        if (format != FileFormat.Csv || file.Csv.Header)
        {
            // A file's column names are matched trimmed and ignoring case (before Rename): two that differ only by case are
            // one name to the reader, and no definition can keep both.
            var clash = source.GroupBy(c => c.Trim().ToLowerInvariant()).FirstOrDefault(g => g.Count() > 1);
            if (clash is not null)
            {
                throw new CustomerTrackException(
                    $"{Path.GetFileName(path)} has columns {string.Join(" and ", clash.Distinct().Select(c => $"'{c}'"))}, which "
                    + (clash.Distinct().Count() == 1 ? "are the same name" : "differ only by case")
                    + ": CustomerTrack matches a file's column names ignoring case, so it cannot keep both; rename one in the file, then run init again");
            }
        }

        var names = SampleNames.SanitiseAll(source);
        var key = ChooseKey(request, file, names, name, notes);
        var eventTime = ChooseEventTime(request, file, names, types, key, notes);
        var op = ChooseOp(path, file, names, key, eventTime, notes);

        var entry = new JsonObject { ["Format"] = Describe(format) };
        if (format == FileFormat.Csv)
        {
            entry["Delimiter"] = file.Csv.Delimiter == '\t' ? "\\t" : file.Csv.Delimiter.ToString();
            // The quote the sniffer found (the double quote when the sample quotes no field).
            entry["Quote"] = file.Csv.Quote.ToString();
            entry["Header"] = file.Csv.Header;
            if (locale is { DecimalSeparator: not '.' } or { ThousandsSeparator: not '\0' })
            {
                entry["DecimalSeparator"] = locale.DecimalSeparator.ToString();
                entry["ThousandsSeparator"] = locale.ThousandsSeparator == '\0' ? "" : locale.ThousandsSeparator.ToString();
            }

            if (locale?.DateFormat is { } dateFormat)
            {
                entry["DateFormat"] = dateFormat;
            }

            if (locale?.TimestampFormat is { } timestampFormat)
            {
                entry["TimestampFormat"] = timestampFormat;
            }
        }

        entry["Key"] = new JsonArray([.. key.Select(k => JsonValue.Create(names[k]))]);
        var columns = new JsonObject();
        for (var i = 0; i < names.Count; i++)
        {
            if (op?.Column != i)
            {
                columns[names[i]] = types[i].ToString();
            }
        }

        entry["Columns"] = columns;
        if (eventTime is { } et)
        {
            entry["EventTime"] = names[et];
        }

        if (request.Snapshot)
        {
            // A snapshot's moment is its event time (docs/semantics.md, rule 16): without one there is no snapshot table.
            entry["Mode"] = eventTime is null
                ? throw new CustomerTrackException($"--mode snapshot: {Path.GetFileName(path)} has no event time, which is a snapshot's moment; name its timestamp column with --event-time COL")
                : "snapshot";
        }

        if (op is { } o)
        {
            var values = new JsonObject();
            foreach (var (value, kind) in o.Values)
            {
                values[value] = kind.ToString().ToUpperInvariant();
            }

            entry["Op"] = new JsonObject { ["Column"] = names[o.Column], ["Values"] = values };
        }

        var rename = new JsonObject();
        for (var i = 0; i < names.Count; i++)
        {
            if (source[i].Trim().ToLowerInvariant() != names[i] && (file.Csv.Header || format != FileFormat.Csv))
            {
                rename[source[i]] = names[i];
                notes.Add($"rename: '{source[i]}' is not a name CustomerTrack takes; it becomes {names[i]}");
            }
        }

        if (rename.Count > 0)
        {
            entry["Rename"] = rename;
        }

        return new InferredTable(name, entry, notes, path, request.EventTime is not null || request.Snapshot);
    }

    /// <summary>The format a file's content shows: Parquet's magic, a JSON object on the first line, or else CSV.</summary>
    public static FileFormat DetectFormat(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[64 * 1024];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head.AsSpan(0, 4).SequenceEqual("PAR1"u8))
        {
            return FileFormat.Parquet;
        }

        var text = Encoding.UTF8.GetString(head, 0, read).TrimStart('\uFEFF');
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        if (line.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return FileFormat.Ndjson;
                }
            }
            catch (JsonException)
            {
            }
        }

        return FileFormat.Csv;
    }

    public static string Describe(FileFormat format) => format.ToString().ToLowerInvariant();

    private static List<int> ChooseKey(InitRequest request, SniffedFile file, IReadOnlyList<string> names, string table, List<string> notes)
    {
        if (request.Key is { Count: > 0 } given)
        {
            var key = given.SelectMany(k => k.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Select(k => Find(file, names, k) ?? throw new CustomerTrackException(
                    $"--key {k} is not a column of {Path.GetFileName(request.From)}; its columns are {string.Join(", ", names)}"))
                .Distinct().ToList();
            notes.Add($"key: {string.Join(", ", key.Select(k => names[k]))} (from --key)");
            return key;
        }

        var singular = table.EndsWith('s') && table.Length > 1 ? table[..^1] : table;
        foreach (var candidate in new[] { "id", table + "_id", singular + "_id", "key" })
        {
            if (Find(file, names, candidate) is { } k)
            {
                notes.Add($"key: {names[k]} (a column named {candidate}; pass --key COL to choose others)");
                return [k];
            }
        }

        throw new CustomerTrackException(
            $"no key: {Path.GetFileName(request.From)} has no column named id, {table}_id or key; name the key with --key COL (repeat it for a composite key); its columns are {string.Join(", ", names)}");
    }

    private static int? ChooseEventTime(InitRequest request, SniffedFile file, IReadOnlyList<string> names, ColumnType[] types, List<int> key, List<string> notes)
    {
        if (request.EventTime is { } given)
        {
            var c = Find(file, names, given) ?? throw new CustomerTrackException(
                $"--event-time {given} is not a column of {Path.GetFileName(request.From)}; its columns are {string.Join(", ", names)}");
            if (key.Contains(c))
            {
                throw new CustomerTrackException($"--event-time {given} is part of the key; the event time sequences a key's changes");
            }

            notes.Add(types[c].Kind == ColumnKind.Timestamp
                ? $"event time: {names[c]} (from --event-time)"
                : $"event time: {names[c]} (from --event-time; DuckDB read it as {file.Columns[c].DuckType}, it is typed timestamp: ISO 8601 text)");
            types[c] = ColumnType.Timestamp;
            return c;
        }

        foreach (var candidate in EventTimeNames)
        {
            if (Find(file, names, candidate) is { } c && !key.Contains(c))
            {
                if (types[c].Kind == ColumnKind.Timestamp)
                {
                    notes.Add($"event time: {names[c]} (a timestamp column named {candidate}; pass --event-time COL to choose another)");
                    return c;
                }

                notes.Add($"event time: none; {names[c]} is named like one but DuckDB read it as {file.Columns[c].DuckType} (pass --event-time {names[c]} to use it anyway)");
            }
        }

        notes.Add("event time: none (rows are sequenced by load time and position; pass --event-time COL if the feed has one)");
        return null;
    }

    private static (int Column, IReadOnlyList<(string Value, ChangeKind Kind)> Values)? ChooseOp(
        string path, SniffedFile file, IReadOnlyList<string> names, List<int> key, int? eventTime, List<string> notes)
    {
        foreach (var candidate in OpNames)
        {
            if (Find(file, names, candidate) is not { } c || key.Contains(c) || c == eventTime)
            {
                continue;
            }

            var found = DuckDbFiles.DistinctValues(path, file, file.Columns[c].Name, MaxOpValues + 1);
            if (found.Count > MaxOpValues)
            {
                notes.Add($"op: none; {names[c]} has more than {MaxOpValues} distinct values, kept as an attribute");
                continue;
            }

            if (OpValues.Map(found) is not { } values)
            {
                notes.Add($"op: none; {names[c]} holds {string.Join(", ", found)}, not all recognisable as insert/update/delete, kept as an attribute (write an Op mapping to use it)");
                continue;
            }

            notes.Add($"op: {names[c]} ({string.Join(", ", values.Select(v => $"{v.Value} -> {v.Kind.ToString().ToUpperInvariant()}"))})");
            return (c, values);
        }

        return null;
    }

    /// <summary>The column named <paramref name="name"/> in the file or as sanitised (ignoring case), or null.</summary>
    private static int? Find(SniffedFile file, IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Equals(name.Trim(), StringComparison.OrdinalIgnoreCase)
                || file.Columns[i].Name.Trim().Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return null;
    }
}
