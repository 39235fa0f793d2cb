using System.Globalization;
using System.Text;
using System.Text.Json;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse.DuckDb;

namespace CustomerTrack.Generate;

/// <summary>One file to write: its name, its rows, and what writes them to a path.</summary>
internal sealed record GeneratedFile(string Name, int Rows, Action<string> Write);

/// <summary>One kind of change file <see cref="GenerateStage"/> writes: where, under what name, and what is in it.</summary>
internal interface IChangeFiles
{
    /// <summary>The folder the files go into.</summary>
    string Folder { get; }

    /// <summary>
    /// The files of the <paramref name="number"/>-th step (from 1), in the order to write them: one file of
    /// <paramref name="rows"/> changes whose event times spread over [from, to); or a snapshot table's extract at
    /// <paramref name="from"/>, <paramref name="rows"/> changes after the one before, in one file a group of partitions.
    /// </summary>
    IReadOnlyList<GeneratedFile> Next(int seed, int number, int rows, DateTime from, DateTime to);
}

/// <summary>The customer feed, directly in landing/ (what <c>generate</c> without <c>--table</c> writes).</summary>
internal sealed class CustomerFiles(string landing, CustomerGenerator generator) : IChangeFiles
{
    public string Folder => landing;

    public IReadOnlyList<GeneratedFile> Next(int seed, int number, int rows, DateTime from, DateTime to) =>
        [new(string.Create(CultureInfo.InvariantCulture, $"customers_{seed}_{from:yyyyMMdd'T'HHmmss}_{number:D6}.csv"), rows, path => Write(path, rows, from, to))];

    private void Write(string path, int rows, DateTime from, DateTime to)
    {
        using var stream = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        generator.WriteFile(stream, rows, from, to);
    }
}

/// <summary>
/// Any table's feed, into landing/&lt;table&gt;/ in the table's format: CSV in its dialect (delimiter, quote, header,
/// encoding), NDJSON with JSON's numbers and booleans, or Parquet with its own types (written through DuckDB). A snapshot
/// table's step is an extract: with partition columns, one file for each of up to <see cref="MaxExtractFiles"/> groups of
/// whole partitions (<c>_01</c>, <c>_02</c>, … after the step's number), else one file.
/// </summary>
internal sealed class TableFiles(string landing, TableDefinition table, TableGenerator generator) : IChangeFiles
{
    /// <summary>The most files one extract is written as; more partitions share files, each partition whole in one.</summary>
    public const int MaxExtractFiles = 8;

    public string Folder => Path.Combine(landing, table.Name);

    public IReadOnlyList<GeneratedFile> Next(int seed, int number, int rows, DateTime from, DateTime to)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{table.Name}_{seed}_{from:yyyyMMdd'T'HHmmss}_{number:D6}");
        if (table.Mode != TableMode.Snapshot)
        {
            return [new($"{name}.{Extension}", rows, path => Write(path, generator.Rows(rows, from, to)))];
        }

        var partitions = generator.Extract(rows, from);
        if (table.Snapshot.Partition.Count == 0)
        {
            return [.. partitions.Select(p => new GeneratedFile($"{name}.{Extension}", p.Count, path => Write(path, p)))];
        }

        var files = Math.Min(MaxExtractFiles, partitions.Count);
        return [.. Enumerable.Range(0, files).Select(f =>
        {
            var extract = partitions.Where((_, i) => i % files == f).SelectMany(p => p).ToList();
            return new GeneratedFile(string.Create(CultureInfo.InvariantCulture, $"{name}_{f + 1:D2}.{Extension}"), extract.Count, path => Write(path, extract));
        })];
    }

    private string Extension => table.Format switch
    {
        FileFormat.Ndjson => "ndjson",
        FileFormat.Parquet => "parquet",
        _ => "csv",
    };

    private void Write(string path, IEnumerable<object?[]> changes)
    {
        switch (table.Format)
        {
            case FileFormat.Parquet:
                DuckDbFiles.WriteParquet(path, generator.FileColumns, changes);
                break;
            case FileFormat.Ndjson:
                WriteNdjson(path, changes);
                break;
            default:
                WriteCsv(path, changes);
                break;
        }
    }

    private void WriteCsv(string path, IEnumerable<object?[]> changes)
    {
        var csv = table.Csv;
        var encoding = csv.Encoding == "latin-1" ? Encoding.Latin1 : new UTF8Encoding(false);
        using var output = new StreamWriter(path, false, encoding, 1 << 16) { NewLine = "\n" };
        var line = new StringBuilder();
        void Flush()
        {
            output.WriteLine(line);
            line.Clear();
        }

        void Field(int index, string text)
        {
            if (index > 0)
            {
                line.Append(csv.Delimiter);
            }

            if (csv.Quote == '\0')
            {
                // Without quoting a field cannot hold the delimiter or a line break.
                line.Append(text.Replace(csv.Delimiter, ' ').Replace('\n', ' ').Replace('\r', ' '));
            }
            else if (text.Contains(csv.Delimiter) || text.Contains(csv.Quote) || text.Contains('\n') || text.Contains('\r'))
            {
                var q = csv.Quote.ToString();
                line.Append(csv.Quote).Append(text.Replace(q, q + q, StringComparison.Ordinal)).Append(csv.Quote);
            }
            else
            {
                line.Append(text);
            }
        }

        if (csv.Header)
        {
            for (var c = 0; c < generator.FileColumns.Count; c++)
            {
                Field(c, generator.FileColumns[c].Name);
            }

            Flush();
        }

        foreach (var row in changes)
        {
            for (var c = 0; c < row.Length; c++)
            {
                Field(c, Text(row[c]));
            }

            Flush();
        }
    }

    private void WriteNdjson(string path, IEnumerable<object?[]> changes)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var row in changes)
        {
            json.WriteStartObject();
            for (var c = 0; c < row.Length; c++)
            {
                var name = generator.FileColumns[c].Name;
                switch (row[c])
                {
                    case null:
                        json.WriteNull(name);
                        break;
                    case int i:
                        json.WriteNumber(name, i);
                        break;
                    case long l:
                        json.WriteNumber(name, l);
                        break;
                    case double d:
                        json.WriteNumber(name, d);
                        break;
                    case decimal m:
                        json.WriteNumber(name, m);
                        break;
                    case bool b:
                        json.WriteBoolean(name, b);
                        break;
                    case var v:
                        json.WriteString(name, Text(v));
                        break;
                }
            }

            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
            json.Reset();
        }
    }

    /// <summary>A value as text: invariant numbers, true/false, ISO dates, and ISO 8601 UTC timestamps to the microsecond.</summary>
    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
