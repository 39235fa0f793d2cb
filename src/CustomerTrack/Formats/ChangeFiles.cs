using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>
/// The one reader boundary: reads a change file in its table's format (never by its extension) and hands every row to
/// the sink. A file whose content is plainly of another format is not read at all: its error says what was expected
/// and what was found.
/// </summary>
internal static class ChangeFiles
{
    public static FileReadSummary Read(string path, TableDefinition table, int maxFieldBytes, IChangeSink sink)
    {
        if (FormatError(path, table) is { } wrong)
        {
            return wrong;
        }

        return table.Format switch
        {
            FileFormat.Ndjson => NdjsonChangeReader.Read(path, table, maxFieldBytes, sink),
            FileFormat.Parquet => ParquetChangeReader.Read(path, table, maxFieldBytes, sink),
            _ => CsvChangeReader.Read(path, table, maxFieldBytes, sink),
        };
    }

    /// <summary>
    /// The file's columns as <see cref="Read"/> names them (<see cref="FileReadSummary.UnknownColumns"/>, or why the file
    /// cannot be read), from as little of it as tells them: a CSV file's header row, a Parquet file's schema. An NDJSON
    /// file is read whole, as each of its objects may bring columns of its own; its rows go nowhere.
    /// </summary>
    public static FileReadSummary Columns(string path, TableDefinition table, int maxFieldBytes)
    {
        if (FormatError(path, table) is { } wrong)
        {
            return wrong;
        }

        return table.Format switch
        {
            FileFormat.Ndjson => NdjsonChangeReader.Read(path, table, maxFieldBytes, Discard.Instance),
            FileFormat.Parquet => ParquetChangeReader.Read(path, table, maxFieldBytes, Discard.Instance, columnsOnly: true),
            _ => CsvChangeReader.Read(path, table, maxFieldBytes, Discard.Instance, columnsOnly: true),
        };
    }

    /// <summary>Why the file is not read at all: its content is plainly of another format than its table's.</summary>
    private static FileReadSummary? FormatError(string path, TableDefinition table) => Mismatch(table.Format, Sniff(path)) is { } what
        ? new FileReadSummary(0, 0, 0, [], $"table {table.Name} takes {Describe(table.Format)} files, but this one is {what}")
        : null;

    /// <summary>Takes the rows and forgets them: only the columns a file names matter to <see cref="Columns"/>.</summary>
    private sealed class Discard : IChangeSink
    {
        public static readonly Discard Instance = new();

        public void Accept(ParsedChange change)
        {
        }

        public void Reject(long line, string field, string reason, string raw)
        {
        }
    }

    private static string Describe(FileFormat format) => format switch
    {
        FileFormat.Ndjson => "NDJSON (one JSON object a line)",
        FileFormat.Parquet => "Parquet",
        _ => "CSV",
    };

    /// <summary>What the file's first bytes look like: Parquet, JSON, empty or text.</summary>
    private static string Sniff(string path)
    {
        Span<byte> head = stackalloc byte[64];
        int n;
        using (var stream = File.OpenRead(path))
        {
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        head = head[..n];
        if (head.StartsWith("PAR1"u8))
        {
            return "Parquet";
        }

        var text = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head;
        var first = text.TrimStart(" \t\r\n"u8);
        if (first.IsEmpty)
        {
            return "empty";
        }

        return first[0] switch
        {
            (byte)'{' => "JSON",
            (byte)'[' => "a JSON array",
            _ => "text",
        };
    }

    private static string? Mismatch(FileFormat expected, string found) => (expected, found) switch
    {
        (_, "empty") => null,
        (FileFormat.Parquet, "Parquet") => null,
        (FileFormat.Ndjson, "JSON") => null,
        (FileFormat.Csv, "text") => null,
        _ => found switch
        {
            "Parquet" => "Parquet (it starts with PAR1)",
            "JSON" => "JSON (it starts with '{')",
            "a JSON array" => "a JSON array (it starts with '['; NDJSON is one object a line, no array)",
            _ => "text, not JSON or Parquet",
        },
    };
}
